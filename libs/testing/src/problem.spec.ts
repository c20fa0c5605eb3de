import { expectedProblemType, expectProblem } from './problem';

const ID = '3b241101-e2bb-4255-8caa-4c4a6a6d6e3f';

function problem(
  body: Record<string, unknown>,
  init: { status?: number; type?: string; headers?: Record<string, string> } = {},
): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 404,
    headers: {
      'content-type': init.type ?? 'application/problem+json; charset=utf-8',
      'x-request-id': ID,
      ...init.headers,
    },
  });
}

const NOT_FOUND = {
  type: 'urn:problem:user-not-found',
  title: 'Not Found',
  status: 404,
  detail: 'No user has the id "u1".',
  error: 'USER_NOT_FOUND',
  request_id: ID,
};

describe('expectedProblemType', () => {
  it('is the code in lower case with dashes, under the base', () => {
    expect(expectedProblemType('USER_NOT_FOUND')).toBe('urn:problem:user-not-found');
    expect(expectedProblemType('NOT_FOUND', 'https://x.test/p/')).toBe(
      'https://x.test/p/not-found',
    );
  });
});

describe('expectProblem', () => {
  it('accepts the exact problem and returns its body', async () => {
    const body = await expectProblem(problem(NOT_FOUND), 404, 'USER_NOT_FOUND', {
      title: 'Not Found',
      detail: 'No user has the id "u1".',
    });
    expect(body).toEqual(NOT_FOUND);
  });

  it('accepts given extension members, headers, request id and type', async () => {
    const res = problem(
      { ...NOT_FOUND, type: 'https://x.test/p/user-not-found', errors: [{ field: 'id' }] },
      { headers: { 'retry-after': '5' } },
    );
    const body = await expectProblem(res, 404, 'USER_NOT_FOUND', {
      extensions: { errors: [{ field: 'id' }] },
      headers: { 'retry-after': '5' },
      requestId: ID,
      type: 'https://x.test/p/user-not-found',
    });
    expect(body.errors).toEqual([{ field: 'id' }]);
  });

  it('accepts another content type only when given', async () => {
    const bare = { type: 'application/problem+json' };
    await expectProblem(problem(NOT_FOUND, bare), 404, 'USER_NOT_FOUND', {
      contentType: 'application/problem+json',
    });
    await expect(expectProblem(problem(NOT_FOUND, bare), 404, 'USER_NOT_FOUND')).rejects.toThrow(
      'expect(',
    );
  });

  it.each([
    ['another status', problem(NOT_FOUND, { status: 400 })],
    ['another content type', problem(NOT_FOUND, { type: 'application/json' })],
    ['no charset', problem(NOT_FOUND, { type: 'application/problem+json' })],
    ['another code', problem({ ...NOT_FOUND, error: 'NOT_FOUND' })],
    ['another type', problem({ ...NOT_FOUND, type: 'urn:problem:not-found' })],
    ['a member not given', problem({ ...NOT_FOUND, errors: [] })],
    ['a missing member', problem({ ...NOT_FOUND, title: undefined })],
    ['a body request id unlike the header', problem({ ...NOT_FOUND, request_id: 'other' })],
    ['a status member unlike the status', problem({ ...NOT_FOUND, status: 400 })],
  ])('fails on %s', async (_case, res) => {
    await expect(expectProblem(res, 404, 'USER_NOT_FOUND')).rejects.toThrow('expect(');
  });

  it('fails on another title, detail, header or request id than given', async () => {
    const given = [
      { title: 'Gone' },
      { detail: 'No such user.' },
      { headers: { 'retry-after': '5' } },
      { requestId: 'req-1' },
      { extensions: { errors: [] } },
    ];
    for (const expected of given) {
      await expect(
        expectProblem(problem(NOT_FOUND), 404, 'USER_NOT_FOUND', expected),
      ).rejects.toThrow('expect(');
    }
  });

  it('fails on a request id that is not a version 4 UUID when none is given', async () => {
    const res = problem(
      { ...NOT_FOUND, request_id: 'req-1' },
      { headers: { 'x-request-id': 'req-1' } },
    );
    await expect(expectProblem(res, 404, 'USER_NOT_FOUND')).rejects.toThrow('expect(');
  });
});
