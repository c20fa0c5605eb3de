import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Gives Node's `process.nextTick` records their final V8 shape before a large app is loaded.
 *
 * Node builds each tick record as an object literal with computed symbol keys. V8 caches the
 * shape transitions of such literals on a root map that every 5-property object literal of the
 * process shares, and stops caching new transitions there once it holds too many. A big
 * dependency graph (a Nest app with its libs) gets there while it loads. If a tick record's
 * fields are generalized only after that — its first tick with arguments, or with an
 * AsyncLocalStorage frame, both of which come with the first requests — V8 can no longer cache
 * the new shape and builds every later tick record through its slow runtime path: measured at
 * about 3 µs of CPU per HTTP request on the reference service (several ticks per request).
 *
 * Scheduling ticks of every kind once settles the shape while the transition can still be
 * cached. Importing `@kit/http` does no work: `createKitAdapter()` (so `createHttpApp()`) calls
 * `settleTickShapes()`, once per process. The 3 µs above was measured with the warm-up running
 * at import, before Nest and the app's modules loaded; run this late it may settle too little,
 * so an entry point that loads a large graph first can call `settleTickShapes()` before it.
 */
const WARMUP_ROUNDS = 200;

const noop = (): void => undefined;

/** One tick of each argument count (Node stores none, or an array of them). */
function scheduleTicks(): void {
  process.nextTick(noop);
  process.nextTick(noop, 1);
  process.nextTick(noop, 1, 2);
  process.nextTick(noop, 1, 2, 3);
  process.nextTick(noop, 1, 2, 3, 4);
}

let settled = false;

/**
 * Settles the tick records' shapes; only the first call in a process does work. Called by
 * `createKitAdapter()`; exported for an entry point that wants it before its modules load.
 */
export function settleTickShapes(): void {
  if (settled) return;
  settled = true;
  const storage = new AsyncLocalStorage<object>();
  // Repeated: V8 settles a literal's field representations over its first executions.
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    scheduleTicks();
    storage.run({ i }, scheduleTicks);
  }
}
