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

/** Observations buffered between scrapes before they are folded in anyway (bounded memory). */
const PENDING_CAPACITY = 4_096;

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
  private readonly httpChildren = new Map<string, { observe(value: number): void }>();
  /**
   * Observations waiting to enter the histogram: the response hook only appends here (a few
   * nanoseconds); they are folded in on scrape, or when the buffer fills.
   */
  private readonly pendingChildren: { observe(value: number): void }[] = [];
  private readonly pendingValues = new Float64Array(PENDING_CAPACITY);

  constructor() {
    processMetrics(); // sampling the event loop from the first app on, not from the first scrape
    this.httpDuration = this.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      collect: () => this.foldPending(),
    });
  }

  private foldPending(): void {
    const children = this.pendingChildren;
    for (let i = 0; i < children.length; i++) children[i]?.observe(this.pendingValues[i] as number);
    children.length = 0;
  }

  /** Records one HTTP request; `route` is the template (`/users/:id`), never the raw URL. */
  observeHttp(
    method: string,
    route: string | undefined,
    statusCode: number,
    seconds: number,
  ): void {
    // One labelled child per (method, route, status), resolved once: prom-client would hash the
    // labels on every observation. Bounded by the routes times the statuses they answer.
    const key = `${method} ${route ?? UNMATCHED_ROUTE} ${statusCode}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      child = this.httpDuration.labels({
        method,
        route: route ?? UNMATCHED_ROUTE,
        status_code: statusCode,
      });
      this.httpChildren.set(key, child);
    }
    const at = this.pendingChildren.length;
    this.pendingChildren.push(child);
    this.pendingValues[at] = seconds;
    if (at + 1 === PENDING_CAPACITY) this.foldPending();
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
