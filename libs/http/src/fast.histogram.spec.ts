import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from './fast.histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const VALUES = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 2, 30];

const make = (name: string, labelNames: string[], buckets = [1]): FastHistogram =>
  new FastHistogram({ name, help: 'h', labelNames, buckets });

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
    fast.series({ outcome: 'ok' }).observe(Number.NaN); // ignored: a bad timing must not throw
    const text = await registry.metrics();
    expect(text).toContain('x_seconds_bucket{le="1",outcome="ok"} 1');
    expect(text).toContain('x_seconds_bucket{le="+Inf",outcome="ok"} 1');
    expect(text).toContain('x_seconds_count{outcome="ok"} 1');
  });

  it('is zeroed by the registry reset, and the series resolved before keep counting', async () => {
    const registry = new Registry();
    const fast = new FastHistogram(
      { name: 'r_seconds', help: 'r', labelNames: ['outcome'], buckets: [1] },
      registry,
    );
    const ok = fast.series({ outcome: 'ok' });
    ok.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('r_seconds_count{outcome="ok"} 0');
    ok.observe(0.5);
    expect(await registry.metrics()).toContain('r_seconds_count{outcome="ok"} 1');
  });

  it('without labels renders zeros from the start, as prom-client does', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram(
      { name: 'n_seconds', help: 'n', labelNames: [], buckets: [1] },
      ours,
    );
    const reference = new Histogram({
      name: 'n_seconds',
      help: 'n',
      buckets: [1],
      registers: [theirs],
    });
    expect(ours.getSingleMetric('n_seconds')).toBe(fast);
    expect(theirs.getSingleMetric('n_seconds')).toBe(reference);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses bad names, unordered buckets, reserved, unknown and missing labels', () => {
    expect(() => make('bad name', [])).toThrow(
      'histogram name "bad name" is not a Prometheus metric name',
    );
    expect(() => make('a', [], [1, 0.5])).toThrow(
      'a: buckets must be finite and strictly ascending',
    );
    expect(() => make('b', ['le'])).toThrow('b: label "le" is not a usable label name');
    expect(() => make('b', ['x-y'])).toThrow('b: label "x-y" is not a usable label name');
    const c = make('c', ['route']);
    expect(() => c.series({} as { route: string })).toThrow('c: label "route" is missing');
    expect(() => c.series({ route: '/', extra: 1 } as { route: string })).toThrow(
      'c: label "extra" is not one of its labelNames',
    );
    expect(() => make('d', [])).not.toThrow();
  });
});
