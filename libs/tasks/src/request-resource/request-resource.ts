import { KitError, RequestContext } from '@kit/http';
import { createContextStore, type RequestContextStore } from '@kit/http/internal';

/** Context key of the resources created in one unit of work, in creation order. */
const SCOPE = Symbol('kit.tasks.requestScope');

interface Held {
  readonly owner: RequestResource<unknown>;
  readonly value: Promise<unknown>;
}

interface Scope {
  readonly held: Held[];
  readonly cached: Map<RequestResource<unknown>, Promise<unknown>>;
}

/** Raised when a request resource is used outside any request, message, task or job. */
export class NoRequestScopeError extends KitError<'TASKS_NO_REQUEST_SCOPE'> {
  constructor(name: string) {
    super(
      'TASKS_NO_REQUEST_SCOPE',
      `${name}.get() was called outside an HTTP request, background task or job; run it inside one or use a plain provider`,
    );
  }
}

/** The rollback cause of a request answered with an error status. */
export class ErrorResponseRollback extends KitError<'TASKS_ERROR_RESPONSE'> {
  constructor(readonly statusCode: number) {
    super('TASKS_ERROR_RESPONSE', `the request was answered ${statusCode}`);
  }
}

/** Settles an HTTP request's resources; a failed commit is thrown (the response becomes a 500). */
async function settleForResponse(store: RequestContextStore, statusCode: number): Promise<void> {
  const cause = statusCode >= 400 ? new ErrorResponseRollback(statusCode) : undefined;
  const outcome = await settleRequestScope(store, cause);
  if (outcome.failed && outcome.error !== cause) throw outcome.error;
}

/** Context key: something will settle this unit of work's resources (the response, a task, a job). */
const SCOPE_ACTIVE = Symbol('kit.tasks.requestScopeActive');

/** Marks a unit of work as one whose request resources will be settled. */
export function activateRequestScope(store: RequestContextStore | undefined): void {
  store?.values.set(SCOPE_ACTIVE, true);
}

/**
 * A per-request resource with teardown — FastAPI's cached `Depends` with `yield`, without
 * `Scope.REQUEST`: a singleton provider whose value lives in the request context. Created lazily
 * on the first `get()`, shared by every caller in the same unit of work, and settled after the
 * handler (or task, or job): `commit` on success, `rollback` on error, `release` always.
 */
export abstract class RequestResource<T> {
  /** Creates the value for one unit of work. */
  protected abstract create(): Promise<T>;
  /** Called after a successful handler. */
  protected commit(_value: T): Promise<void> {
    return Promise.resolve();
  }
  /** Called when the handler threw (or commit failed). */
  protected rollback(_value: T, _error: unknown): Promise<void> {
    return Promise.resolve();
  }
  /** Always called last. */
  protected release(_value: T): Promise<void> {
    return Promise.resolve();
  }

  /** The value of the current unit of work (one instance per request). */
  get(): Promise<T> {
    const scope = currentScope(this.constructor.name);
    let value = scope.cached.get(this) as Promise<T> | undefined;
    if (!value) {
      value = this.hold(scope);
      scope.cached.set(this, value);
    }
    return value;
  }

  /** A fresh value, not shared with other callers, settled with the unit of work (the opt-out). */
  fresh(): Promise<T> {
    return this.hold(currentScope(this.constructor.name));
  }

  /**
   * Whether this resource already holds a value in the current unit of work (never outside one):
   * for `create()` to refuse a second value where one would deadlock on the first.
   */
  protected holdsValueInCurrentUnit(): boolean {
    const scope = scopeOf(RequestContext.current());
    return scope !== undefined && scope.held.some((h) => h.owner === this);
  }

  /** @internal Settles one value; used by `settleRequestScope`. */
  async settle(value: T, error: unknown, failed: boolean): Promise<unknown> {
    let failure: unknown = failed ? error : undefined;
    try {
      if (failed) await this.rollback(value, error);
      else await this.commit(value);
    } catch (err) {
      failure ??= err;
      if (!failed) await this.rollback(value, err).catch(() => undefined);
    } finally {
      await this.release(value);
    }
    return failure;
  }

  private hold(scope: Scope): Promise<T> {
    const value = this.create();
    scope.held.push({ owner: this as RequestResource<unknown>, value });
    return value;
  }
}

function currentScope(name: string): Scope {
  const store = RequestContext.current();
  if (!store) throw new NoRequestScopeError(name);
  if (store.values.get(SCOPE_ACTIVE) !== true) {
    // An HTTP request: settle once its response is ready (commit below 400, else roll back).
    if (!RequestContext.beforeSend((status) => settleForResponse(store, status))) {
      throw new NoRequestScopeError(name);
    }
    activateRequestScope(store);
  }
  let scope = scopeOf(store);
  if (!scope) {
    scope = { held: [], cached: new Map() };
    store.values.set(SCOPE, scope);
  }
  return scope;
}

/** The request resources a unit of work created, if it created any. */
function scopeOf(store: RequestContextStore | undefined): Scope | undefined {
  return store?.values.get(SCOPE) as Scope | undefined;
}

/**
 * Settles every resource the unit of work created, newest first. With `error` undefined they
 * commit; otherwise they roll back. Returns the first failure (the handler's error, or a
 * commit error), which the caller rethrows.
 */
export async function settleRequestScope(
  store: RequestContextStore | undefined,
  error?: unknown,
): Promise<{ failed: boolean; error: unknown }> {
  const scope = scopeOf(store);
  let failed = error !== undefined;
  let first: unknown = error;
  if (!scope || scope.held.length === 0) return { failed, error: first };
  store?.values.delete(SCOPE);
  for (const held of scope.held.toReversed()) {
    let value: unknown;
    try {
      value = await held.value;
    } catch (err) {
      if (!failed) [failed, first] = [true, err];
      continue;
    }
    const outcome = await held.owner.settle(value, first, failed);
    if (!failed && outcome !== undefined) [failed, first] = [true, outcome];
  }
  return { failed, error: first };
}

/**
 * A child context for work that outlives the request (background tasks, jobs): same request
 * id and values (user, …), but its own request scope and timings.
 */
export function deriveContext(
  parent: RequestContextStore | undefined,
  requestId?: string,
): RequestContextStore {
  const store = createContextStore(requestId ?? parent?.requestId ?? crypto.randomUUID());
  parent?.values.forEach((v, k) => {
    if (k !== SCOPE) store.values.set(k, v);
  });
  activateRequestScope(store);
  return store;
}

/**
 * Runs `fn` in a new unit of work carrying `requestId` (its own request scope, no user): work
 * resumed outside its request, such as a stored batch enqueued later, keeps the request's id in
 * its logs and jobs.
 */
export function runInRequestContext<T>(requestId: string, fn: () => T): T {
  return RequestContext.run(deriveContext(undefined, requestId), fn);
}
