import { AsyncLocalStorage } from 'node:async_hooks';

// Here, with the context, so that the augmentation ships with the public barrel.
declare module 'fastify' {
  interface FastifyRequest {
    /** The kit's request context (set in the first `onRequest` hook). */
    kitContext: RequestContextStore | null;
  }
}

/** One `Server-Timing` entry, e.g. `db;dur=1.3`. */
export interface ServerTimingEntry {
  name: string;
  dur: number;
  desc?: string;
}

/**
 * What one unit of work (an HTTP request, a WebSocket message, a background task, a job)
 * carries through its async calls. Libraries add their own members through `set`/`get` with
 * their own symbol keys (the auth lib puts the user there).
 */
export interface RequestContextStore {
  readonly requestId: string;
  readonly timings: ServerTimingEntry[];
  readonly values: Map<symbol, unknown>;
  /**
   * HTTP requests only: steps run once the handler (or the exception filter) has produced the
   * response and before it is written, with its status (see `RequestContext.beforeSend`).
   */
  readonly beforeSend?: BeforeSendStep[];
}

/** Runs before an HTTP response is written; throwing turns the response into a 500. */
export type BeforeSendStep = (statusCode: number) => void | Promise<void>;

const storage = new AsyncLocalStorage<RequestContextStore>();

/**
 * The store's members are created on first use: most requests add no value, timing or step, and
 * a `Map` and two arrays per request are allocations every request would pay for.
 */
class ContextStore implements RequestContextStore {
  private valueMap: Map<symbol, unknown> | undefined;
  private timingList: ServerTimingEntry[] | undefined;
  private steps: BeforeSendStep[] | undefined;

  constructor(
    readonly requestId: string,
    private readonly http: boolean,
  ) {}

  get values(): Map<symbol, unknown> {
    return (this.valueMap ??= new Map());
  }

  get timings(): ServerTimingEntry[] {
    return (this.timingList ??= []);
  }

  get beforeSend(): BeforeSendStep[] | undefined {
    return this.http ? (this.steps ??= []) : undefined;
  }

  /** @internal The timing entries added so far, without creating the list. */
  addedTimings(): readonly ServerTimingEntry[] | undefined {
    return this.timingList;
  }

  /** @internal Takes the before-send steps added so far (steps added later are kept). */
  takeBeforeSend(): BeforeSendStep[] | undefined {
    const steps = this.steps;
    return steps === undefined || steps.length === 0 ? undefined : steps.splice(0);
  }
}

/** Creates a store for a new unit of work. */
export function createContextStore(requestId: string): RequestContextStore {
  return new ContextStore(requestId, false);
}

/** Creates the store of an HTTP request (it accepts before-send steps). */
export function createHttpContextStore(requestId: string): RequestContextStore {
  return new ContextStore(requestId, true);
}

/** @internal Takes a store's before-send steps added so far, if any. */
export function takeBeforeSend(store: RequestContextStore): BeforeSendStep[] | undefined {
  if (store instanceof ContextStore) return store.takeBeforeSend();
  const steps = store.beforeSend;
  return steps === undefined || steps.length === 0 ? undefined : steps.splice(0);
}

/** @internal A store's timing entries, without creating the list. */
export function addedTimings(store: RequestContextStore): readonly ServerTimingEntry[] | undefined {
  return store instanceof ContextStore ? store.addedTimings() : store.timings;
}

/**
 * The kit's request context, one AsyncLocalStorage shared by every lib. Static because the
 * Fastify hooks that enter it run outside DI; `RequestContextService` wraps it for injection.
 */
export const RequestContext = {
  /** The store of the unit of work running now, if any. */
  current(): RequestContextStore | undefined {
    return storage.getStore();
  },
  /** Runs `fn` inside `store`. */
  run<T>(store: RequestContextStore, fn: () => T): T {
    return storage.run(store, fn);
  },
  /** The current request id, if any. */
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  /**
   * Runs `step` after the current HTTP request's handler, before its response is written (how
   * request resources commit or roll back without an interceptor). False outside an HTTP request.
   */
  beforeSend(step: BeforeSendStep): boolean {
    const steps = storage.getStore()?.beforeSend;
    if (!steps) return false;
    steps.push(step);
    return true;
  },
} as const;
