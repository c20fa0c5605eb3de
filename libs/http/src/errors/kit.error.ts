/**
 * Base class of every error the kit's libs throw (and of `DomainError`): `code` is stable and
 * safe to match on (`Code` narrows it to a subclass's codes), `name` is the subclass's, `cause`
 * is kept. Libs subclass it, never `Error`.
 */
export class KitError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A bad option, raised at boot: the message names the option first, then what is wrong and the
 * fix. One class for every lib; each lib keeps its own code (`HTTP_INVALID_OPTION`,
 * `LIFESPAN_INVALID_OPTION`, …) through a thin subclass.
 */
export class KitConfigError extends KitError {
  constructor(
    code: string,
    readonly option: string,
    problem: string,
  ) {
    super(code, `${option} ${problem}`);
  }
}
