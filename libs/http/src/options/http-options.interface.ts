import type { DestinationStream } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Every `LogLevel`, most severe first (for validating a configured value). */
export const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** Server-level settings, given to `createHttpApp()` because Fastify needs them at construction. */
export interface HttpServerOptions {
  /** Largest request body in bytes; a larger one is answered 413. @default 1_048_576 */
  bodyLimit?: number;
  /** Largest request head (request line and headers) in bytes; larger is answered 431. @default 16_384 */
  maxHeaderSize?: number;
  /** Milliseconds allowed to receive a whole request; then 408. @default 30_000 */
  requestTimeout?: number;
  /** Milliseconds allowed to receive the request head; must not exceed `requestTimeout`. @default 10_000 */
  headersTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept open. @default 5_000 */
  keepAliveTimeout?: number;
  /**
   * Most requests served on one keep-alive connection; the last one's response says
   * `Connection: close` and the server closes the connection after it. @default 1_000
   */
  maxRequestsPerSocket?: number;
  /**
   * Longest single path parameter in characters; longer is answered 414 `URI_TOO_LONG`
   * (problem+json, like every router refusal). @default 100
   */
  maxParamLength?: number;
  /**
   * Deepest nesting of arrays and objects a JSON body may reach; a deeper one is answered 400
   * `JSON_TOO_DEEP` before it is parsed. At most 1,000: class-transformer's recursion overflows
   * the stack near 1,500. @default 64
   */
  maxJsonDepth?: number;
  /** Log level of the JSON logger. @default 'info' */
  logLevel?: LogLevel;
  /**
   * Where log lines go (tests capture them). The default buffered stdout takes its `request
   * completed` lines directly; any other destination gets them through pino (`logger.info()`),
   * about 1.7 µs more per request, since pino does not say publicly whether it routes by level.
   * @default process.stdout
   */
  logDestination?: DestinationStream;
  /**
   * Milliseconds between two writes of the buffered stdout (the default destination; lines are
   * also written once 4 KiB are buffered, at once from error level up, and on exit). What a
   * SIGKILL (or a crash of the runtime itself) loses: the lines of the last interval. Shorter
   * costs a write syscall per interval even when idle, and fewer lines per write under load.
   * @default 250
   */
  logFlushIntervalMs?: number;
  /** Trust `X-Forwarded-*` from a proxy in front (client address for throttling). @default false */
  trustProxy?: boolean;
}

/** The CORS policy: exact origins only, validated at boot. */
export interface CorsOptions {
  /** Exact allowed origins (`https://app.example.com`), or `['*']` for any origin without credentials. */
  origins: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true`; forbidden together with `*`. @default false */
  credentials?: boolean;
  /** Methods a preflight may allow. @default ['GET','HEAD','POST','PUT','PATCH','DELETE'] */
  methods?: readonly string[];
  /** Request headers a preflight may allow. @default ['Authorization','Content-Type','X-API-Key','X-Request-ID'] */
  allowedHeaders?: readonly string[];
  /** Response headers scripts may read. @default ['X-Request-ID','X-Process-Time-Ms','Server-Timing','Retry-After','WWW-Authenticate'] */
  exposedHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight. @default 600 */
  maxAge?: number;
}

/** The OpenAPI document and Swagger UI. */
export interface OpenApiOptions {
  /** Serve `/openapi.json` and `/docs`. @default true */
  enabled?: boolean;
  /** Document title. @default 'API' */
  title?: string;
  /** API version shown in the document. @default '1.0.0' */
  version?: string;
  /** Description (Markdown). @default '' */
  description?: string;
  /** Path of the Swagger UI. @default '/docs' */
  docsPath?: string;
  /** Path of the JSON document. @default '/openapi.json' */
  jsonPath?: string;
}

/** Options of `HttpKitModule.forRoot()` / `forRootAsync()`. */
export interface HttpKitModuleOptions {
  /** CORS policy; omitted or no origins = no CORS headers at all. @default undefined */
  cors?: CorsOptions;
  /** OpenAPI settings. @default { enabled: true } */
  openapi?: OpenApiOptions;
  /** Prefix of the problem `type` URIs; the code is appended in kebab case. @default 'urn:problem:' */
  problemTypeBase?: string;
}

export interface ResolvedCorsOptions {
  readonly anyOrigin: boolean;
  readonly origins: ReadonlySet<string>;
  readonly credentials: boolean;
  readonly methods: string;
  readonly allowedHeaders: string;
  readonly exposedHeaders: string;
  readonly maxAge: string;
}

export interface ResolvedHttpKitOptions {
  readonly cors: ResolvedCorsOptions | undefined;
  readonly openapi: Required<OpenApiOptions>;
  readonly problemTypeBase: string;
}

export type ResolvedHttpServerOptions = Readonly<
  Required<Omit<HttpServerOptions, 'logDestination'>> & Pick<HttpServerOptions, 'logDestination'>
>;
