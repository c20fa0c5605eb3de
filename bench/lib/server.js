'use strict';
// Starts benchmark servers as child processes and makes sure none outlives the harness.
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const { listeningPorts } = require('./proc');

const live = new Set();
const cleanups = new Set();
let cleanupInstalled = false;

/** SIGKILLs every server still running and runs their `cleanup` callbacks (synchronous). */
function killAllNow() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const cleanup of cleanups) runCleanup(cleanup);
}

function runCleanup(cleanup) {
  cleanups.delete(cleanup);
  try {
    cleanup();
  } catch (err) {
    process.stderr.write(`cleanup failed: ${err.message}\n`);
  }
}

/** Kills every child still running when the harness exits, is interrupted or crashes. */
function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: killing ${live.size} server(s)\n`);
      killAllNow();
      process.exit(128 + constants.signals[signal]);
    });
  }
}

/** Keeps the last `max` characters written to a stream, for error messages. */
function tail(stream, max = 8192) {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    text = (text + chunk).slice(-max);
  });
  return () => text;
}

function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    function onExit() {
      clearTimeout(timer);
      resolve(true);
    }
    child.once('exit', onExit);
  });
}

/** Resolves with the port from the first stdout line matching `pattern` (group 1). */
function portFromStdout(child, pattern) {
  return new Promise((resolve) => {
    let buffered = '';
    function onData(chunk) {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop().slice(-65536); // a partial line, bounded
      for (const line of lines) {
        const match = pattern.exec(line);
        if (!match) continue;
        child.stdout.off('data', onData);
        child.stdout.resume(); // drain the rest (per-request logs) without keeping it
        resolve(Number(match[1]));
        return;
      }
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
  });
}

/** Resolves with the single port the process listens on, polling /proc (bounded by the caller). */
function portFromProc(child, isDone) {
  child.stdout.resume();
  return new Promise((resolve) => {
    const poll = () => {
      if (isDone()) return;
      let ports = [];
      try {
        ports = listeningPorts(child.pid);
      } catch {
        // process not fully started or gone: the exit handler reports it
      }
      if (ports.length === 1) resolve(ports[0]);
      else setTimeout(poll, 50);
    };
    poll();
  });
}

/**
 * Starts `command args` with `env` merged over the harness's (a value of `undefined` removes the
 * variable) and resolves once its port is known: from a stdout line matching `portPattern`, or,
 * without a pattern, from the one TCP socket it listens on. Resolves to
 * `{ name, pid, port, url, child, stop() }`; `stop()` sends SIGTERM, then SIGKILL after `graceMs`,
 * then runs `cleanup` (synchronous; also run if the harness exits first, e.g. to remove a temp dir).
 */
async function startServer({
  name,
  command = process.execPath,
  args = [],
  env = {},
  cwd,
  portPattern,
  ipc = false,
  readyTimeoutMs = 30_000,
  graceMs = 5_000,
  cleanup,
}) {
  installCleanup();
  if (cleanup) cleanups.add(cleanup);
  const childEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = String(value);
  }
  const child = spawn(command, args, {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const stderrTail = tail(child.stderr);

  let settled = false;
  const describe = () => `${name} (${command} ${args.join(' ')})`;
  const port = await new Promise((resolve, reject) => {
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (cleanup) runCleanup(cleanup);
      const err = new Error(`${describe()}: ${message}\n--- stderr tail ---\n${stderrTail()}`);
      reject(Object.assign(err, { expected: true }));
    };
    const timer = setTimeout(() => fail(`no port after ${readyTimeoutMs} ms`), readyTimeoutMs);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited before listening (${signal ?? code})`));
    const found = portPattern
      ? portFromStdout(child, portPattern)
      : portFromProc(child, () => settled);
    found.then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    });
  });

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, graceMs))) {
        child.kill('SIGKILL');
        await waitForExit(child, 2_000);
      }
    }
    if (cleanup && cleanups.has(cleanup)) runCleanup(cleanup);
  }

  return { name, pid: child.pid, port, url: `http://127.0.0.1:${port}`, child, stderrTail, stop };
}

module.exports = { startServer, killAllNow };
