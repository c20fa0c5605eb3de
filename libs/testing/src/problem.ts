/// <reference types="jest" />
// Jest's global `expect` (types from @types/jest): no runtime import of a test-only package.
import type { ProblemDetails } from '@kit/http';

/** A version 4 UUID: the request id the kit gives a request that brought none. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The content type of every problem response the kit sends. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** What a problem response must carry besides its status and code. */
export interface ExpectedProblem {
  /** The exact title, or a matcher (`expect.any(String)`). @default any string */
  title?: unknown;
  /** The exact detail, or a matcher (`expect.stringMatching(...)`). @default any string */
  detail?: unknown;
  /** Every extension member of the body (`errors`, `resources`, …), exactly. @default none */
  extensions?: Readonly<Record<string, unknown>>;
  /** The exact content type, for a problem written after serialization (no charset). @default PROBLEM_CONTENT_TYPE */
  contentType?: string;
  /** Exact values of response headers, lower-case names (`{ 'retry-after': '5' }`). */
  headers?: Readonly<Record<string, string>>;
  /** The request id the response must carry. @default a fresh version 4 UUID */
  requestId?: string;
  /** The exact `type` member. @default `expectedProblemType(code)` */
  type?: string;
}

/** An RFC 9457 problem body as the kit writes it: `@kit/http`'s own `ProblemDetails`. */
export type ProblemBody = ProblemDetails;

/**
 * The `type` a problem with `code` has under `base`: written here, independently of `@kit/http`'s
 * `problemTypeOf()`, so that the suites check it rather than repeat it.
 */
export function expectedProblemType(code: string, base = 'urn:problem:'): string {
  return base + code.toLowerCase().replace(/_/g, '-');
}

/**
 * Asserts a problem response of the kit exactly: the status, `application/problem+json;
 * charset=utf-8`, the `X-Request-ID` header (a version 4 UUID unless `requestId` says which) and a
 * body with exactly the standard members (`error: code`, `request_id` = the header) plus
 * `extensions`. Returns the body.
 */
export async function expectProblem(
  res: Response,
  status: number,
  code: string,
  expected: ExpectedProblem = {},
): Promise<ProblemBody> {
  const text = await res.text();
  // The body in the failure message: a wrong status is easier to read with it.
  expect({ status: res.status, body: text }).toEqual({ status, body: expect.any(String) });
  expect(res.headers.get('content-type')).toBe(expected.contentType ?? PROBLEM_CONTENT_TYPE);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    expect({ header: name, value: res.headers.get(name) }).toEqual({ header: name, value });
  }
  const requestId = res.headers.get('x-request-id');
  if (expected.requestId === undefined) expect(requestId).toMatch(UUID_V4);
  else expect(requestId).toBe(expected.requestId);
  const body = JSON.parse(text) as ProblemBody;
  expect(body).toStrictEqual({
    ...expected.extensions,
    type: expected.type ?? expectedProblemType(code),
    title: expected.title ?? expect.any(String),
    status,
    detail: expected.detail ?? expect.any(String),
    error: code,
    request_id: requestId,
  });
  return body;
}
