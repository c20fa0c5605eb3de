'use strict';
// Medians, ratios to a baseline scenario, the stdout table and the JSON result file.
const { execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value, digits) {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Per scenario: medians over clean rounds, and ratios to `baseline`'s medians (CPU per request
 * and requests/s), plus the median of per-round CPU ratios (robust to drift between rounds).
 */
function summarise(scenarios, samples, baseline) {
  const clean = (name) => samples[name].filter((s) => s.clean);
  const base = clean(baseline);
  const baseCpu = median(base.map((s) => s.cpuUsPerRequest));
  const baseRps = median(base.map((s) => s.rps));
  return scenarios.map((scenario) => {
    const rows = clean(scenario.name);
    const cpu = rows.map((s) => s.cpuUsPerRequest);
    const medCpu = median(cpu);
    const medRps = median(rows.map((s) => s.rps));
    const perRound = rows
      .map((s) => {
        const b = base.find((x) => x.round === s.round);
        return b ? s.cpuUsPerRequest / b.cpuUsPerRequest : null;
      })
      .filter((v) => v !== null);
    return {
      name: scenario.name,
      label: scenario.label,
      path: scenario.request.path,
      rounds: samples[scenario.name].length,
      cleanRounds: rows.length,
      medianRps: round(medRps, 0),
      medianCpuUsPerRequest: round(medCpu, 2),
      medianUserUsPerRequest: round(median(rows.map((s) => s.userUsPerRequest)), 2),
      medianSystemUsPerRequest: round(median(rows.map((s) => s.systemUsPerRequest)), 2),
      minCpuUsPerRequest: round(cpu.length ? Math.min(...cpu) : null, 2),
      maxCpuUsPerRequest: round(cpu.length ? Math.max(...cpu) : null, 2),
      cpuRatio: medCpu !== null && baseCpu ? round(medCpu / baseCpu, 3) : null,
      medianPerRoundCpuRatio: round(median(perRound), 3),
      rpsRatio: medRps !== null && baseRps ? round(medRps / baseRps, 3) : null,
      target: scenario.target ?? null,
      verdict: verdict(scenario.target, medCpu !== null && baseCpu ? medCpu / baseCpu : null),
    };
  });
}

function verdict(target, ratio) {
  if (target === undefined) return null;
  if (ratio === null) return 'NO DATA';
  return ratio <= target ? 'PASS' : 'FAIL';
}

function table(rows, baseline) {
  const header = [
    'scenario',
    'req/s',
    'CPU µs/req',
    'min–max µs',
    'user+sys µs',
    `CPU × ${baseline}`,
    'per-round ×',
    `req/s × ${baseline}`,
    'target',
  ];
  const body = rows.map((r) => [
    r.cleanRounds === r.rounds ? r.name : `${r.name} (${r.cleanRounds}/${r.rounds} clean)`,
    fmt(r.medianRps),
    fmt(r.medianCpuUsPerRequest),
    `${fmt(r.minCpuUsPerRequest)}–${fmt(r.maxCpuUsPerRequest)}`,
    `${fmt(r.medianUserUsPerRequest)}+${fmt(r.medianSystemUsPerRequest)}`,
    fmt(r.cpuRatio),
    fmt(r.medianPerRoundCpuRatio),
    fmt(r.rpsRatio),
    r.target === null ? '' : `≤ ${r.target}× ${r.verdict}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd : c.padStart).call(c, widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function fmt(value) {
  return value === null || value === undefined ? '-' : String(value);
}

/**
 * Writes `data` as bench/results/<prefix>-<timestamp>.json and returns the path. The file is
 * formatted with the repo's prettier: `prettier --check .` reads only the root ignore files, so
 * an unformatted result would fail `npm run lint` until deleted.
 */
function writeResult(prefix, data) {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${prefix}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  try {
    execFileSync(
      process.execPath,
      [require.resolve('prettier/bin/prettier.cjs'), '--write', file],
      {
        stdio: 'ignore',
        timeout: 30_000,
      },
    );
  } catch {
    // formatting is a courtesy to the linter; the figures are written either way
  }
  return file;
}

/** `name`'s median CPU per request over `other`'s, from a summary; null when either is missing. */
function cpuOver(summary, name, other) {
  const a = summary.find((r) => r.name === name)?.medianCpuUsPerRequest;
  const b = summary.find((r) => r.name === other)?.medianCpuUsPerRequest;
  return a && b ? a / b : null;
}

/**
 * Each `--ref` scenario (`<name>@<ref>`) against `<name>` built from the working tree: medians,
 * the difference as a share of the working tree's CPU per request, and the median of the same
 * share taken round by round (each against the round next to it).
 */
function refComparison(scenarios, samples) {
  const clean = (name) => (samples[name] ?? []).filter((s) => s.clean);
  return scenarios
    .filter((s) => s.ref && samples[s.name.slice(0, s.name.lastIndexOf('@'))])
    .map((s) => {
      const base = s.name.slice(0, s.name.lastIndexOf('@'));
      const theirs = clean(s.name);
      const ours = clean(base);
      const theirCpu = median(theirs.map((x) => x.cpuUsPerRequest));
      const ourCpu = median(ours.map((x) => x.cpuUsPerRequest));
      const perRound = theirs
        .map((x) => {
          const o = ours.find((y) => y.round === x.round);
          return o ? (x.cpuUsPerRequest - o.cpuUsPerRequest) / o.cpuUsPerRequest : null;
        })
        .filter((v) => v !== null);
      return {
        scenario: s.name,
        against: base,
        ref: s.ref,
        refCpuUsPerRequest: round(theirCpu, 2),
        cpuUsPerRequest: round(ourCpu, 2),
        deltaUs: theirCpu !== null && ourCpu ? round(theirCpu - ourCpu, 2) : null,
        deltaShare: theirCpu !== null && ourCpu ? round((theirCpu - ourCpu) / ourCpu, 4) : null,
        perRoundDeltaShare: round(median(perRound), 4),
      };
    });
}

const pct = (v) => (v === null ? '-' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);

function formatRefComparison(rows) {
  if (rows.length === 0) return '';
  return (
    'other commits (--ref) against the working tree, CPU per request:\n' +
    rows
      .map(
        (r) =>
          `  ${r.scenario.padEnd(28)} ${fmt(r.refCpuUsPerRequest)} µs vs ${r.against} ` +
          `${fmt(r.cpuUsPerRequest)} µs: ${fmt(r.deltaUs)} µs, ${pct(r.deltaShare)} ` +
          `(per round ${pct(r.perRoundDeltaShare)})`,
      )
      .join('\n') +
    '\n\n'
  );
}

module.exports = {
  cpuOver,
  formatRefComparison,
  median,
  refComparison,
  summarise,
  table,
  writeResult,
};
