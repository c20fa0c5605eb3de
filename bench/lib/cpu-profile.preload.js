'use strict';
// Preloaded (`node -r`) into a server under profile: starts and stops V8's sampling profiler on
// IPC messages from the harness, so only the loaded window is recorded. (Not on a signal: Nest's
// enableShutdownHooks() treats SIGUSR2 and most others as shutdown.)
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

if (process.send) {
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  process.on('message', (msg) => {
    if (!msg || typeof msg.type !== 'string' || !msg.type.startsWith('profile:')) return;
    handle(msg).catch((err) => process.send({ type: 'profile:error', message: String(err) }));
  });
  process.channel.unref();

  async function handle(msg) {
    if (msg.type === 'profile:start') {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: msg.intervalUs ?? 100 });
      await post('Profiler.start');
      process.send({ type: 'profile:started' });
    } else if (msg.type === 'profile:stop') {
      const { profile } = await post('Profiler.stop');
      writeFileSync(msg.file, JSON.stringify(profile));
      process.send({ type: 'profile:written', file: msg.file });
    }
  }
}
