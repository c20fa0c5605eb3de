/**
 * The `type` a problem with `code` must have: written here, independently of `@kit/http`'s
 * `problemTypeOf()`, so that the suites check it rather than repeat it.
 */
export function expectedProblemType(code: string, base = 'urn:problem:'): string {
  return base + code.toLowerCase().replace(/_/g, '-');
}

/**
 * Asserts an RFC 9457 problem response as `@kit/http` sends it (default type base) and returns
 * its body. `fields` overrides or adds members (title, detail, extensions) exactly.
 */
export async function expectProblem(
  res: Response,
  status: number,
  error: string,
  fields: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(; charset=utf-8)?$/);
  const requestId = res.headers.get('x-request-id');
  expect(requestId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toEqual({
    type: expectedProblemType(error),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    error,
    request_id: requestId,
    ...fields,
  });
  return body;
}
