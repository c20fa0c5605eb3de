'use strict';
// Runs scenarios round-robin so drift in the machine hits all alike, starting each round one
// scenario later (A B C, B C A, C A B, ...): in a fixed order, the same build of identical code
// measured ~10% cheaper when it ran later in the round (bench/README.md).
const { isClean, measure } = require('./measure');

/**
 * `scenarios`: [{ name, server, request }]. Runs one warmup round of `warmupSeconds` per
 * scenario, then `rounds` rounds of `load`, and returns { [name]: samples[] }. `onSample` is
 * called after each measured round (for progress output).
 */
async function interleave({ scenarios, rounds, warmupSeconds, load, onSample = () => {} }) {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
    throw new Error(`rounds must be an integer in 1..50, got ${rounds}`);
  }
  for (const scenario of scenarios) {
    if (warmupSeconds > 0) {
      await measure(scenario.server, scenario.request, { ...load, duration: warmupSeconds });
    }
  }
  const samples = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of rotated(scenarios, round - 1)) {
      const sample = await measure(scenario.server, scenario.request, load);
      sample.round = round;
      sample.clean = isClean(sample);
      samples[scenario.name].push(sample);
      onSample(scenario, sample);
    }
  }
  return samples;
}

/** `items` starting at `offset` (mod length), wrapping around. */
function rotated(items, offset) {
  const k = offset % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

module.exports = { interleave, rotated };
