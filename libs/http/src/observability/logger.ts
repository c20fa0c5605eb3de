import type { LoggerService } from '@nestjs/common';
import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import { RequestContext } from '../context/request-context';
import type { ResolvedHttpServerOptions } from '../options/http-options.interface';
import { FdLogDestination } from '../perf/fd-log.destination';
import { createFdRequestLineWriter, type RequestLine } from '../perf/request-line';

export type { RequestLine } from '../perf/request-line';

const REDACTED = '[REDACTED]';
/** Names that carry a secret both as a query parameter and as a log field. */
const SECRET_NAMES = [
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'jwt',
  'api_key',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'authorization',
];
/** Query parameters whose values are redacted, compared lower-cased (`redactUrl`). */
const SECRET_PARAMS: ReadonlySet<string> = new Set([
  ...SECRET_NAMES,
  'apikey',
  'x-api-key',
  'key',
  'passphrase',
  'auth',
  'credential',
  'credentials',
  'session',
  'signature',
  'x-amz-signature',
]);

/** Fields that carry secrets, redacted at the top level of a log line and one level down. */
const SECRET_FIELDS = [...SECRET_NAMES, 'apiKey'];
/** Objects that code logs whole (`{ body }`, `{ dto }`, …): their secret fields are redacted. */
const SECRET_CONTAINERS = [
  'body',
  'data',
  'dto',
  'query',
  'params',
  'input',
  'payload',
  'credentials',
  'user',
];

/**
 * Exact paths only: pino's redaction costs next to nothing for them, while one wildcard path
 * (`*.password`) walks every key of every line and cost about 3 µs per request line.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_CONTAINERS.flatMap((container) =>
    SECRET_FIELDS.map((field) => `${container}.${field}`),
  ),
];

/**
 * Replaces the values of secret-bearing query parameters in a URL for logging: by name (`?token=`,
 * `?client_secret=`, …), compared decoded and case-insensitively as the query parser reads them
 * (`?%74oken=` is `token` to the handler), and by value whatever the name: a JWT, a bearer or
 * basic credential, a kit API key.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || url.indexOf('=', q) < 0) return url;
  const pairs = url.slice(q + 1).split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as string;
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (SECRET_PARAMS.has(decodeName(pair.slice(0, eq))) || isSecretParamValue(pair, eq + 1)) {
      pairs[i] = `${pair.slice(0, eq)}=${REDACTED}`;
    }
  }
  return `${url.slice(0, q + 1)}${pairs.join('&')}`;
}

function decodeName(name: string): string {
  return decodeComponent(name).toLowerCase();
}

function decodeComponent(text: string): string {
  // Most names and values are plain: no regex, no decoder (halved redactUrl for 3 plain pairs).
  if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A query value that looks like a credential; decoded only past the first-character check. */
function isSecretParamValue(pair: string, from: number): boolean {
  return mayBeSecret(pair.charCodeAt(from)) && looksLikeSecret(decodeComponent(pair.slice(from)));
}

const JWT = /^eyJ[\w-]+\.[\w-]+\./;
const AUTH_SCHEME = /^(?:bearer|basic)\s+\S/i;
const KIT_API_KEY = /^kit_[A-Za-z0-9]{8}_/;

/** The first character of every value `looksLikeSecret` accepts: `e`yJ, `k`it_, `B`earer, `b`asic. */
function mayBeSecret(first: number): boolean {
  return first === 0x65 || first === 0x6b || first === 0x42 || first === 0x62;
}

/** A log field's string value that looks like a credential; most fail the first-character check. */
function isSecretValue(value: string): boolean {
  return mayBeSecret(value.charCodeAt(0)) && looksLikeSecret(value);
}

/** A JWT (JWS or JWE compact), a bearer or basic credential, or a kit API key. */
function looksLikeSecret(value: string): boolean {
  switch (value.charCodeAt(0)) {
    case 0x65:
      return JWT.test(value);
    case 0x6b:
      return KIT_API_KEY.test(value);
    case 0x42:
    case 0x62:
      return AUTH_SCHEME.test(value);
    default:
      return false;
  }
}

/**
 * pino's `formatters.log`: string fields whose value looks like a credential (`looksLikeSecret`),
 * at the top level of a line or one object down, are redacted whatever their name. Lines with
 * none are returned as they are (no copy); the caller's objects are never changed.
 */
export function redactSecretValues(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    let replaced: unknown = value;
    if (typeof value === 'string') {
      if (isSecretValue(value)) replaced = REDACTED;
    } else if (isPlainObject(value)) {
      replaced = redactNestedValues(value);
    }
    if (replaced !== value) (out ??= { ...fields })[key] = replaced;
  }
  return out ?? fields;
}

function redactNestedValues(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'string' && isSecretValue(value)) {
      (out ??= { ...fields })[key] = REDACTED;
    }
  }
  return out ?? fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The destination of every logger `createPinoLogger()` built, and of each of its children (pino
 * does not expose a logger's destination publicly): `flushLogsSync`, `closeLogDestination` and
 * `createRequestLineWriter` find it here. Weak, so loggers are collected as usual.
 */
const destinations = new WeakMap<object, DestinationStream>();

/** The kit's JSON-lines logger: Fastify's pino, with the secrets listed above redacted. */
export function createPinoLogger(
  options: Pick<ResolvedHttpServerOptions, 'logLevel' | 'logDestination'> &
    Partial<Pick<ResolvedHttpServerOptions, 'logFlushIntervalMs'>>,
): Logger {
  const stdout =
    options.logDestination === undefined
      ? bufferedStdout(options.logFlushIntervalMs ?? FLUSH_EVERY_MS)
      : undefined;
  const destination = options.logDestination ?? (stdout as FdLogDestination);
  const logger = pino(
    {
      level: options.logLevel,
      // The buffered stdout writes an error or fatal line out at once (the process may die next).
      ...(stdout && {
        hooks: {
          logMethod(args, method, level) {
            method.apply(this, args);
            if (level >= ERROR_LEVEL) stdout.flushSync();
          },
        },
      }),
      base: { pid: process.pid },
      // The request id of the unit of work running now, on every line written inside it.
      mixin: () => {
        const reqId = RequestContext.requestId();
        return reqId === undefined ? {} : { reqId };
      },
      redact: {
        paths: REDACTED_PATHS,
        censor: REDACTED,
      },
      formatters: { log: redactSecretValues },
      serializers: {
        err: pino.stdSerializers.err,
        req: (req: { method?: string; url?: string; id?: string }) => ({
          method: req.method,
          url: req.url ? redactUrl(req.url) : undefined,
        }),
      },
      // Fastify logs through a child (`instance.log`); children of children inherit this.
      onChild: (child) => destinations.set(child, destination),
    },
    destination,
  );
  destinations.set(logger, destination);
  return logger;
}

/**
 * Writes `request completed` lines. To the kit's own buffered stdout (an `FdLogDestination`,
 * which takes bytes as they come) the line is hand-built (`perf/request-line.ts`: measured to
 * save over 3% of a request's server CPU at `info`, together with the destination). Any other
 * destination, and the destination of a logger the kit did not build, gets its lines through
 * `logger.info()`: pino does not say publicly whether a stream routes by level
 * (`pino.multistream()` reads the level pino sets on it before each line).
 */
export function createRequestLineWriter(logger: Logger): (line: RequestLine) => void {
  const stream = destinations.get(logger);
  if (stream instanceof FdLogDestination) {
    return createFdRequestLineWriter(stream, logger.levels.values.info as number);
  }
  return (line) => logger.info({ ...line }, 'request completed');
}

/** Nest `LoggerService` writing through the same pino, with the current request id on every line. */
export class KitLogger implements LoggerService {
  constructor(private readonly out: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    params: unknown[],
  ): void {
    if (!this.out.isLevelEnabled(level)) return;
    // Nest passes the context last; `error()` may pass a stack before it.
    const context =
      typeof params[params.length - 1] === 'string'
        ? (params[params.length - 1] as string)
        : undefined;
    // `reqId` comes from the logger's mixin.
    const fields: Record<string, unknown> = { context };
    if (message instanceof Error) {
      this.out[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.out[level]({ ...fields, ...message });
    } else {
      if (level === 'error' && typeof params[0] === 'string' && params.length > 1)
        fields.stack = params[0];
      this.out[level](fields, String(message));
    }
  }
}

/**
 * Writes out buffered log lines synchronously (before `process.exit`): the destination's
 * `flushSync()` for a logger `createPinoLogger()` built (or a child of one). For any other
 * logger, pino's public `logger.flush()`, which only starts the flush of a destination that
 * buffers asynchronously.
 */
export function flushLogsSync(logger: object): void {
  const stream = destinations.get(logger) as { flushSync?: () => void } | undefined;
  try {
    if (stream) stream.flushSync?.();
    else (logger as { flush?: () => void }).flush?.();
  } catch {
    // Nothing buffered, or the stream is not flushable: nothing to lose.
  }
}

/** Default of `logFlushIntervalMs`. */
const FLUSH_EVERY_MS = 250;

/** pino's numeric level of `error`: it and `fatal` are written out at once. */
const ERROR_LEVEL = 50;

/** Every buffered stdout destination still open: written out when the process exits. */
const openDestinations = new Set<FdLogDestination>();

function flushOpenDestinations(): void {
  for (const destination of openDestinations) destination.flushSync();
}

/**
 * Writes out every buffered stdout line now, for code that has no logger at hand (a boot that
 * failed before the app existed); then what it writes to stderr comes after the log, not above
 * it. `flushLogsSync(logger)` does the same for one logger.
 */
export function flushBufferedLogs(): void {
  flushOpenDestinations();
}

/**
 * stdout, written in chunks of at least 4 KiB instead of one write per line (a syscall per
 * request line was most of the logging cost), flushed at least every `flushEveryMs` (250 ms by
 * default, `logFlushIntervalMs`) so an idle service's lines still show promptly, at once for an
 * error or fatal line (the logger's hook), and on `process.exit()` and a crash
 * (`exitOnUncaughtException()`); `closeLogDestination()` ends the buffering when the app closes.
 * A SIGKILL loses what the last interval buffered.
 *
 * Synchronous, as pino is by default: measured here, asynchronous writes (a thread-pool round
 * trip per chunk) cost ~4.4 µs of CPU per line against ~2.5 µs. Like any synchronous stdout, a
 * reader that stops reading eventually blocks the process. Losing logs must not take the
 * service down: after EPIPE (the reader is gone) lines are dropped, told once on stderr; no
 * write is retried forever (`FdLogDestination`, in `perf/`: it replaces `pino.destination()`,
 * whose `flushSync()` retries EPIPE forever).
 */
function bufferedStdout(flushEveryMs: number): FdLogDestination {
  const destination = new FdLogDestination(1, { minLength: 4_096, flushEveryMs });
  if (openDestinations.size === 0) process.on('exit', flushOpenDestinations);
  openDestinations.add(destination);
  return destination;
}

/**
 * Writes out a logger's buffered stdout lines and stops buffering (later lines are written at
 * once). The app's close calls it; a no-op for any other destination. Idempotent.
 */
export function closeLogDestination(logger: Logger): void {
  const stream = destinations.get(logger);
  if (!(stream instanceof FdLogDestination) || !openDestinations.delete(stream)) return;
  stream.close();
  if (openDestinations.size === 0) process.off('exit', flushOpenDestinations);
}

/**
 * Ends the process on an uncaught exception (and an unhandled rejection, which Node turns into
 * one) with the log intact: the error as a fatal line, every buffered line written out, the
 * reason on stderr, exit 1. Node's own handling printed the stack to stderr and left the log's
 * last lines to the exit flush, out of order. Returns the function that removes the handler.
 */
export function exitOnUncaughtException(
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const onCrash = (err: unknown, origin: NodeJS.UncaughtExceptionOrigin): void => {
    const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception';
    const reason = err instanceof Error ? err.message : String(err);
    try {
      logger.fatal({ err }, `${what}: ${reason}; exiting with 1`);
    } finally {
      flushOpenDestinations();
      flushLogsSync(logger);
      writeStderr(`${what}: ${reason}\n`);
      exit(1);
    }
  };
  process.on('uncaughtException', onCrash);
  return () => process.off('uncaughtException', onCrash);
}

function writeStderr(message: string): void {
  try {
    writeSync(2, message);
  } catch {
    // stderr is gone: the fatal line on stdout still says it.
  }
}
