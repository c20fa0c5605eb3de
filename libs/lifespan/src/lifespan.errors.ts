import { KitConfigError, KitError } from '@kit/http';

/** Base class of the runtime errors `@kit/lifespan` throws; `code` is stable. */
export class LifespanError extends KitError {}

/** A bad `@kit/lifespan` option, raised at boot (`LIFESPAN_INVALID_OPTION`). */
export class LifespanConfigError extends KitConfigError {
  constructor(option: string, problem: string) {
    super('LIFESPAN_INVALID_OPTION', option, problem);
  }
}

/** A resource could not open: the boot stops with this, naming the resource and its target. */
export class ResourceOpenError extends LifespanError {
  constructor(
    readonly resource: string,
    readonly target: string,
    cause: unknown,
  ) {
    super(
      'RESOURCE_OPEN_FAILED',
      `resource "${resource}" could not open ${target}: ${errorMessage(cause)}`,
      { cause },
    );
  }
}

/**
 * The message of anything thrown, the first inner error of an `AggregateError` (a connection
 * tried on several addresses). Duck-typed: errors from another realm (Node internals seen from
 * a VM context, workers) fail `instanceof Error`.
 */
export function errorMessage(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  const { errors, message, name, code } = cause as {
    errors?: unknown;
    message?: unknown;
    name?: unknown;
    code?: unknown;
  };
  if (Array.isArray(errors) && errors.length > 0) return errorMessage(errors[0]);
  for (const text of [message, code, name]) {
    if (typeof text === 'string' && text) return text;
  }
  return String(cause);
}
