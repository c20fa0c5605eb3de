import type { Registry } from 'prom-client';

/** One label combination of a `FastHistogram`: observing is a bucket search and three adds. */
export interface HistogramSeries {
  observe(value: number): void;
}

export interface FastHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending; `+Inf` is implied. */
  buckets: readonly number[];
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

class Series implements HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: Float64Array,
    readonly labels: Readonly<Record<string, string | number>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A Prometheus histogram for hot paths. prom-client's `Histogram.observe()` validates and hashes
 * the label set on every call (about a microsecond); here a label set is resolved once into a
 * series (`series()`), and observing it only counts. Registered in a prom-client `Registry`, it
 * renders exactly like prom-client's histograms (`_bucket` with `le`, `_sum`, `_count`).
 */
export class FastHistogram<L extends string = string> {
  readonly type = 'histogram';
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: Float64Array;
  private readonly all = new Map<string, Series>();

  constructor(config: FastHistogramConfig<L>, registry?: Registry) {
    const bounds = [...config.buckets];
    if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
      throw new TypeError(`${config.name}: buckets must be finite and strictly ascending`);
    }
    if (config.labelNames.includes('le' as L)) {
      throw new TypeError(`${config.name}: "le" is reserved for histogram buckets`);
    }
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = Float64Array.from(bounds);
    registry?.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of one label combination, created on first use; keep it for repeated use. */
  series(labels: Readonly<Record<L, string | number>>): HistogramSeries {
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (value === undefined) throw new TypeError(`${this.name}: label "${name}" is missing`);
      return String(value);
    });
    const key = values.join('\u0000');
    let found = this.all.get(key);
    if (!found) {
      const own: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (own[name] = values[i] as string));
      found = new Series(this.bounds, own);
      this.all.set(key, found);
    }
    return found;
  }

  /** Observes once for a label combination (resolves the series: prefer `series()` when hot). */
  observe(labels: Readonly<Record<L, string | number>>, value: number): void {
    this.series(labels).observe(value);
  }

  /** What prom-client's registry renders. */
  get(): {
    name: string;
    help: string;
    type: 'histogram';
    aggregator: string;
    values: MetricValue[];
  } {
    const values: MetricValue[] = [];
    for (const series of this.all.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push({
          // `le` first, as prom-client renders it.
          labels: {
            le: i < this.bounds.length ? (this.bounds[i] as number) : '+Inf',
            ...series.labels,
          },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: { ...series.labels },
        value: series.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { ...series.labels },
        value: series.count,
        metricName: `${this.name}_count`,
      });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  /** Forgets every series (tests). */
  reset(): void {
    this.all.clear();
  }
}
