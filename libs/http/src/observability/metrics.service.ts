import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Route label of requests the router did not match: one series, not one per probed URL. */
export const UNMATCHED_ROUTE = 'unmatched';

let processRegistry: Registry | undefined;

/**
 * CPU, memory, event-loop and GC metrics belong to the process, not to an app: collected once,
 * into one registry every app's scrape includes. Collecting them per app would start an
 * event-loop-delay sampler and a GC observer that nothing can stop, for every app ever created.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The app's Prometheus registry (its own, not prom-client's global one, so several apps can run
 * in one process) with the HTTP request-duration histogram the kit's response hook feeds; the
 * process metrics are added when rendering.
 * Other libs register their metrics here; the service exposes `render()` on a protected route.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor() {
    processMetrics(); // sampling the event loop from the first app on, not from the first scrape
    this.httpDuration = this.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  /**
   * Records one HTTP request; `route` is the template (`/users/:id`), never the raw URL, so the
   * series are bounded by the routes times the statuses they answer.
   */
  observeHttp(
    method: string,
    route: string | undefined,
    statusCode: number,
    seconds: number,
  ): void {
    // A timing that went wrong must not fail its request (prom-client throws on it).
    if (!Number.isFinite(seconds)) return;
    this.httpDuration.observe(
      { method, route: route ?? UNMATCHED_ROUTE, status_code: statusCode },
      seconds,
    );
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** The Prometheus text exposition (the app's metrics, then the process') and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([this.registry, processMetrics()]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
