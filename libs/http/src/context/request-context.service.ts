import { Injectable } from '@nestjs/common';
import { RequestContext, type RequestContextStore } from './request-context';

/**
 * Injectable view of the request context. Reads are cheap (one AsyncLocalStorage lookup);
 * nothing here is request-scoped, so it can be injected anywhere, hot paths included.
 */
@Injectable()
export class RequestContextService {
  /** The current store, or undefined outside any request, message, task or job. */
  store(): RequestContextStore | undefined {
    return RequestContext.current();
  }

  /** The current request id, or undefined outside a unit of work. */
  get requestId(): string | undefined {
    return RequestContext.requestId();
  }

  /** Reads a value a lib stored under its own key in the current context. */
  get<T>(key: symbol): T | undefined {
    return RequestContext.current()?.values.get(key) as T | undefined;
  }

  /** Stores a value in the current context; a no-op outside one. */
  set(key: symbol, value: unknown): void {
    RequestContext.current()?.values.set(key, value);
  }

  /** Adds a `Server-Timing` entry to the current response, e.g. `addTiming('db', 1.3)`. */
  addTiming(name: string, dur: number, desc?: string): void {
    RequestContext.current()?.timings.push({ name, dur, desc });
  }
}
