/** Base class of every error `@kit/http` throws itself; `code` is stable and safe to match on. */
export class HttpKitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad `@kit/http` option, raised at boot. The message names the option and the fix. */
export class HttpKitConfigError extends HttpKitError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super('HTTP_INVALID_OPTION', `${option} ${problem}`);
  }
}
