'use strict';
// Records a V8 CPU profile of a server under load (see cpu-profile.preload.js) and summarises
// where its time goes: top self-time functions, self time by package, and inclusive time of
// the kit's own functions.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { measure } = require('./measure');

const PRELOAD = join(__dirname, 'cpu-profile.preload.js');

function request(child, msg, expect, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no ${expect} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function onMessage(reply) {
      if (reply?.type === expect) done(null, reply);
      else if (reply?.type === 'profile:error') done(new Error(reply.message));
    }
    function done(err, reply) {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (err) reject(err);
      else resolve(reply);
    }
    child.on('message', onMessage);
    child.send(msg);
  });
}

/**
 * Profiles `server` (started with `ipc: true` and `-r PRELOAD`) during one load round and writes
 * the .cpuprofile to `file` (open it in Chrome DevTools or speedscope). Returns the round's sample.
 */
async function profileServer(server, req, load, file) {
  await request(server.child, { type: 'profile:start' }, 'profile:started', 10_000);
  const sample = await measure(server, req, load);
  await request(server.child, { type: 'profile:stop', file }, 'profile:written', 30_000);
  return sample;
}

function category(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url === 'node:inspector') return '(profiler)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const lib = /\/dist\/libs\/([^/]+)\//.exec(url);
  if (lib) return `@kit/${lib[1]}`;
  if (url.includes('/dist/src/')) return 'reference service';
  if (url.includes('/bench/')) return 'bench';
  return 'other';
}

function shortUrl(url) {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '');
}

function keyOf(node) {
  const f = node.callFrame;
  const name = f.functionName || '(anonymous)';
  return f.url ? `${name}  ${shortUrl(f.url)}:${f.lineNumber + 1}` : name;
}

/** Self and inclusive time per function and self time per category, in ms and % of busy time. */
function summariseProfile(profile, { top = 25, kitTop = 15 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const byCategory = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = nodes.get(profile.samples[i]);
    if (!node) continue;
    const cat = category(node.callFrame.url, node.callFrame.functionName);
    total += dt;
    if (cat === '(idle)' || cat === '(profiler)') {
      idle += dt; // not the server's work: waiting, or the profiler answering Profiler.stop
      continue;
    }
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const n = nodes.get(id);
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      const c = category(n.callFrame.url, n.callFrame.functionName);
      if (c.startsWith('@kit/') || c === 'reference service') {
        inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
      }
    }
  }
  const busy = total - idle;
  const rows = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        pct: Math.round((us / busy) * 1000) / 10,
      }));
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    topSelf: rows(self, top),
    selfByCategory: rows(byCategory, 40),
    kitInclusive: rows(inclusive, kitTop),
  };
}

function block(title, rows) {
  return [
    title,
    ...rows.map(
      (r) => `  ${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(8)} ms  ${r.name}`,
    ),
  ].join('\n');
}

function formatSummary(summary) {
  return [
    `busy ${summary.busyMs} ms of ${summary.totalMs} ms sampled (percentages are of busy time; ` +
      `the profiler's own overhead lands mostly on native socket writes such as writeUtf8String)`,
    block('self time by package:', summary.selfByCategory),
    block('top self-time functions:', summary.topSelf),
    block('inclusive time of @kit/* and reference-service functions:', summary.kitInclusive),
  ].join('\n\n');
}

function readProfile(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

module.exports = { PRELOAD, profileServer, summariseProfile, formatSummary, readProfile };
