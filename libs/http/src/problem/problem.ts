import { STATUS_CODES } from 'node:http';

/** RFC 9457 problem details as the kit sends them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Stable machine code, e.g. `VALIDATION_FAILED`. */
  error: string;
  request_id: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The prefix of problem `type` URIs unless `HttpKitModule`'s `problemTypeBase` says otherwise. */
export const DEFAULT_PROBLEM_TYPE_BASE = 'urn:problem:';

/** `code` of the error the kit's JSON parser raises for a `__proto__`/`constructor.prototype` key. */
export const FORBIDDEN_JSON_PROPERTY_CODE = 'KIT_FORBIDDEN_JSON_PROPERTY';

/** `code` of the error the kit's JSON parser raises for a body nested past `maxJsonDepth`. */
export const JSON_TOO_DEEP_CODE = 'KIT_JSON_TOO_DEEP';

/** The detail of every 500 whose cause stays in the logs. */
export const INTERNAL_ERROR_DETAIL =
  'An unexpected error occurred. Quote the request id when reporting it.';

const CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The default machine code of a status (`404` → `NOT_FOUND`). */
export function codeForStatus(status: number): string {
  return CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

/** The standard reason phrase of a status. */
export function titleForStatus(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

/** The problem `type` URI of a code: `typeBase` + the code in kebab case. */
export function problemTypeOf(typeBase: string, code: string): string {
  return typeBase + code.toLowerCase().replace(/_/g, '-');
}

/** Builds a problem body; extension members never overwrite the standard ones. */
export function buildProblem(
  typeBase: string,
  fields: { status: number; code: string; title?: string; detail: string; requestId: string },
  extensions: Readonly<Record<string, unknown>> = {},
): ProblemDetails {
  return {
    ...extensions,
    type: problemTypeOf(typeBase, fields.code),
    title: fields.title ?? titleForStatus(fields.status),
    status: fields.status,
    detail: fields.detail,
    error: fields.code,
    request_id: fields.requestId,
  };
}
