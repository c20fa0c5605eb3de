/** Base class of the errors `@kit/lifespan` throws; `code` is stable. */
export class LifespanError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad `@kit/lifespan` option, raised at boot; the message names the option and the fix. */
export class LifespanConfigError extends LifespanError {
  constructor(option: string, problem: string) {
    super('LIFESPAN_INVALID_OPTION', `${option} ${problem}`);
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
      `resource "${resource}" could not open ${target}: ${describe(cause)}`,
      { cause },
    );
  }
}

function describe(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describe(cause.errors[0]);
  if (cause instanceof Error)
    return (
      cause.message || cause.name || String((cause as { code?: unknown }).code ?? 'unknown error')
    );
  return String(cause);
}
