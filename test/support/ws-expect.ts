import {
  WsTestClient,
  type WsConnectOptions,
  WsUpgradeRejected,
  expectedProblemType,
} from '@kit/testing';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Opens clients and closes every one of them at the end of each test. */
export class ClientPool {
  private readonly open = new Set<WsTestClient>();

  async connect(baseUrl: string, path: string, options?: WsConnectOptions): Promise<WsTestClient> {
    const client = await WsTestClient.connect(baseUrl, path, options);
    this.open.add(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((c) => c.close()));
    this.open.clear();
  }
}

/** `X-Process-Time-Ms` (ms, at most two decimals) and the `Server-Timing` entry with the same figure. */
export function expectTimingHeaders(headers: Readonly<Record<string, unknown>>): void {
  const ms = headers['x-process-time-ms'];
  expect(ms).toMatch(/^\d+(\.\d{1,2})?$/);
  expect(headers['server-timing']).toBe(`app;dur=${String(ms)}`);
}

/**
 * Asserts that the upgrade was refused with `status` and a problem+json body carrying `code`
 * (its `type` under `typeBase`) and the response's `X-Request-ID`; returns the rejection.
 */
export async function expectUpgradeRejected(
  attempt: Promise<WsTestClient>,
  status: number,
  code: string,
  typeBase = 'urn:problem:',
): Promise<WsUpgradeRejected> {
  const outcome = await attempt.then(
    async (client) => {
      await client.close();
      return new Error('the upgrade was accepted');
    },
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(WsUpgradeRejected);
  const rejected = outcome as WsUpgradeRejected;
  expect({ status: rejected.status, type: rejected.headers['content-type'] }).toEqual({
    status,
    type: 'application/problem+json',
  });
  const requestId = rejected.headers['x-request-id'];
  expect(requestId).toMatch(REQUEST_ID);
  expect(rejected.headers['x-content-type-options']).toBe('nosniff');
  expectTimingHeaders(rejected.headers);
  expect(rejected.json()).toEqual({
    type: expectedProblemType(code, typeBase),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    error: code,
    request_id: requestId,
  });
  return rejected;
}

/** A message envelope as the contract defines it. */
export function messageEnvelope(
  room: string,
  from: string,
  data: unknown,
): Record<string, unknown> {
  return {
    type: 'message',
    room,
    id: expect.stringMatching(UUID),
    from: { id: from },
    data,
    ts: expect.stringMatching(ISO_DATE),
  };
}

export function presence(
  room: string,
  event: 'join' | 'leave',
  user: string,
): Record<string, unknown> {
  return { type: 'presence', room, event, user: { id: user } };
}

let rooms = 0;
/** A room name unique to this run. */
export function uniqueRoom(tag = 'room'): string {
  rooms += 1;
  return `${tag}-${rooms}-${Math.random().toString(36).slice(2, 8)}`;
}
