import type { Registry } from 'prom-client';
import { HttpKitConfigError } from './http.errors';

/** Prometheus' rules for metric and label names (`__`-prefixed labels are reserved). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

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

  /** Non-finite values are ignored: a timing that went wrong must not fail its request. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
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
    checkConfig(config);
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = Float64Array.from(config.buckets);
    // Without labels there is one series: rendered (as zeros) from the start, as prom-client does.
    if (this.labelNames.length === 0) this.series({} as Record<L, string>);
    registry?.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of one label combination, created on first use; keep it for repeated use. */
  series(labels: Readonly<Record<L, string | number>>): HistogramSeries {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name as L)) {
        throw new HttpKitConfigError(
          `${this.name}: label "${name}"`,
          'is not one of its labelNames',
        );
      }
    }
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (value === undefined) {
        throw new HttpKitConfigError(`${this.name}: label "${name}"`, 'is missing');
      }
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

  /**
   * Zeroes every series (what `registry.resetMetrics()` calls). They stay in place: callers
   * keep the series they resolved.
   */
  reset(): void {
    for (const series of this.all.values()) series.reset();
  }
}

function checkConfig<L extends string>(config: FastHistogramConfig<L>): void {
  if (!METRIC_NAME.test(config.name)) {
    throw new HttpKitConfigError(
      `histogram name "${config.name}"`,
      'is not a Prometheus metric name',
    );
  }
  for (const label of config.labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
      throw new HttpKitConfigError(
        `${config.name}: label "${label}"`,
        'is not a usable label name ("le" and "__…" are reserved)',
      );
    }
  }
  const bounds = config.buckets;
  if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
    throw new HttpKitConfigError(
      `${config.name}: buckets`,
      'must be finite and strictly ascending',
    );
  }
}
