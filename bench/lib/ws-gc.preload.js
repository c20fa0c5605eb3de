'use strict';
// Preloaded (`node --expose-gc -r`) into a realtime benchmark server: on an IPC request it runs
// a full GC and answers with process.memoryUsage(), so idle-connection memory is read after
// garbage is gone, the same way for every server.
if (process.send) {
  process.on('message', (msg) => {
    if (!msg || msg.type !== 'ws-bench:memory') return;
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    process.send({ type: 'ws-bench:memory', id: msg.id, ...process.memoryUsage() });
  });
  process.channel.unref();
}
