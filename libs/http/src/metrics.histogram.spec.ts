import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from './metrics.histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const VALUES = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 2, 30];

describe('FastHistogram', () => {
  it('renders exactly what prom-client renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram(
      { name: 'd_seconds', help: 'durations', labelNames: ['route', 'code'], buckets: BUCKETS },
      ours,
    );
    const reference = new Histogram({
      name: 'd_seconds',
      help: 'durations',
      labelNames: ['route', 'code'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const series = fast.series({ route: '/a', code: 200 });
    for (const v of VALUES) {
      series.observe(v);
      reference.observe({ route: '/a', code: 200 }, v);
    }
    fast.observe({ route: '/b', code: 404 }, 0.003);
    reference.observe({ route: '/b', code: 404 }, 0.003);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('resolves one series per label set and counts into it', async () => {
    const registry = new Registry();
    const fast = new FastHistogram(
      { name: 'x_seconds', help: 'x', labelNames: ['outcome'], buckets: [1] },
      registry,
    );
    expect(fast.series({ outcome: 'ok' })).toBe(fast.series({ outcome: 'ok' }));
    fast.series({ outcome: 'ok' }).observe(0.5);
    fast.series({ outcome: 'ok' }).observe(Number.NaN); // ignored, like a value it cannot place
    const text = await registry.metrics();
    expect(text).toContain('x_seconds_bucket{le="1",outcome="ok"} 1');
    expect(text).toContain('x_seconds_bucket{le="+Inf",outcome="ok"} 1');
    expect(text).toContain('x_seconds_count{outcome="ok"} 1');
    fast.reset();
    expect(await registry.metrics()).not.toContain('x_seconds_count');
  });

  it('refuses unordered buckets, the reserved "le" label and a missing label', () => {
    expect(
      () => new FastHistogram({ name: 'a', help: 'a', labelNames: [], buckets: [1, 0.5] }),
    ).toThrow('a: buckets must be finite and strictly ascending');
    expect(
      () => new FastHistogram({ name: 'b', help: 'b', labelNames: ['le'], buckets: [1] }),
    ).toThrow('b: "le" is reserved for histogram buckets');
    const c = new FastHistogram<'route'>({
      name: 'c',
      help: 'c',
      labelNames: ['route'],
      buckets: [1],
    });
    expect(() => c.series({} as { route: string })).toThrow('c: label "route" is missing');
  });
});
