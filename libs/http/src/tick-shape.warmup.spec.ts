/** The warm-up schedules 200 rounds of 10 ticks; counting ticks tells whether it ran. */
const WARMUP_TICKS = 2_000;

type Barrel = typeof import('./internal');

/** Counts `process.nextTick` calls made while `fn` runs synchronously. */
function ticksDuring(fn: () => void): number {
  const spy = jest.spyOn(process, 'nextTick');
  try {
    fn();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/** Loads a fresh copy of `@kit/http`'s barrel (and every file under it). */
function loadBarrel(): Barrel {
  let barrel: Barrel | undefined;
  jest.isolateModules(() => {
    barrel = require('./internal') as Barrel;
  });
  return barrel as Barrel;
}

describe('tick-shape warm-up', () => {
  it('does not run when @kit/http is imported', () => {
    expect(ticksDuring(loadBarrel)).toBeLessThan(WARMUP_TICKS);
  }, 30_000);

  it('runs once per process, from createKitAdapter()', () => {
    const barrel = loadBarrel();
    expect(ticksDuring(() => barrel.createKitAdapter())).toBeGreaterThanOrEqual(WARMUP_TICKS);
    expect(ticksDuring(() => barrel.createKitAdapter())).toBeLessThan(WARMUP_TICKS);
    expect(ticksDuring(() => barrel.settleTickShapes())).toBe(0);
  }, 30_000);
});
