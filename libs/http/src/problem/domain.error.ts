import { KitError } from '../errors/kit.error';

/** Extra members of a problem+json body (RFC 9457 extension members). */
export type ProblemExtensions = Readonly<Record<string, unknown>>;

export interface DomainErrorOptions {
  /** What went wrong, for the client. Never put internals here: it is sent as `detail`. */
  detail?: string;
  /** Extension members added to the problem body (e.g. a list of field errors). */
  extensions?: ProblemExtensions;
  /** Response headers sent with the problem (e.g. `Retry-After`, `WWW-Authenticate`). */
  headers?: Readonly<Record<string, string>>;
  /** Media type of the body, for protocols that prescribe one (OAuth 2.0: JSON). @default 'application/problem+json' */
  contentType?: string;
  /**
   * Log a 5xx as a server error (with its stack). False for a deliberate refusal such as load
   * shedding, whose volume a client controls: the code that refuses reports it instead.
   * @default true
   */
  logged?: boolean;
  cause?: unknown;
}

/**
 * Base class for errors a service means to show its clients, FastAPI's `HTTPException` with a
 * stable machine code: subclass it with your own `code` and `status`; the problem filter renders
 * it as `application/problem+json` with `error: code` and `detail`.
 */
export class DomainError extends KitError {
  readonly detail: string;
  readonly extensions: ProblemExtensions;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly logged: boolean;

  constructor(
    code: string,
    readonly status: number,
    title: string,
    options: DomainErrorOptions = {},
  ) {
    super(code, title, { cause: options.cause });
    this.detail = options.detail ?? title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.contentType = options.contentType;
    this.logged = options.logged ?? true;
  }
}

/** One failed field of a request body, query or path. */
export interface FieldError {
  /** Dotted path of the field, e.g. `items.0.quantity`. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** 400 with the list of field errors (`errors`), thrown by the kit's validation pipe. */
export class RequestValidationError extends DomainError {
  constructor(readonly errors: readonly FieldError[]) {
    super('VALIDATION_FAILED', 400, 'Request validation failed', {
      detail: errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The request is invalid.',
      extensions: { errors },
    });
  }
}
