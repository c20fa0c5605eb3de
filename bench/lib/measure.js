'use strict';
// One load round: autocannon against a server, with the server's CPU time read around it.
const autocannon = require('autocannon');
const { clockTicksPerSecond, cpuTimes } = require('./proc');

/**
 * Loads `server` with `request` ({ path, method?, headers?, body? }) for `load.duration` seconds
 * (or `load.amount` requests) over `load.connections` connections, each reconnecting after
 * `load.reconnectRate` requests (0 = never), and returns requests/s and the server's CPU µs per
 * request.
 */
async function measure(server, request, load) {
  const tck = clockTicksPerSecond();
  const before = readCpu(server);
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: server.url + request.path,
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    connections: load.connections,
    pipelining: load.pipelining,
    duration: load.duration,
    amount: load.amount,
    // Reconnect like a real client honouring `Connection: close` (autocannon ignores it, and a
    // server with maxRequestsPerSocket then answers every later request with 503).
    reconnectRate: load.reconnectRate,
    timeout: 10,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = readCpu(server);
  const user = after.user - before.user;
  const system = after.system - before.system;
  const ticks = user + system;
  const requests = result.requests.total;
  const perRequest = (t) => (requests > 0 ? round((t / tck / requests) * 1e6, 2) : null);
  return {
    requests,
    seconds: round(seconds, 3),
    rps: round(requests / seconds, 0),
    cpuTicks: ticks,
    cpuUsPerRequest: perRequest(ticks),
    userUsPerRequest: perRequest(user),
    systemUsPerRequest: perRequest(system),
    serverCpuShare: round(ticks / tck / seconds, 3),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** The server's CPU times; if it has died, an error with its exit status and stderr tail. */
function readCpu(server) {
  try {
    return cpuTimes(server.pid);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    const { exitCode, signalCode } = server.child;
    const message = `${server.name} (pid ${server.pid}) died (${signalCode ?? exitCode}) during the run`;
    const tail = server.stderrTail?.() ?? '';
    throw Object.assign(new Error(`${message}\n--- stderr tail ---\n${tail}`), { expected: true });
  }
}

/** Whether a round's figures can be trusted: every response was a 2xx and arrived. */
function isClean(sample) {
  return sample.requests > 0 && sample.non2xx === 0 && sample.errors === 0 && sample.timeouts === 0;
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

module.exports = { measure, isClean };
