import { waitForLog, WsTestClient } from '@kit/testing';
import { ClientPool, expectUpgradeRejected, uniqueRoom } from './support/ws-expect';
import {
  bootRealtimeService,
  type RealtimeTestService,
  signToken,
  type TestUser,
} from './support/ws-service';

// At the default level (info) every upgrade leaves one line, accepted or refused, and every
// socket one line when it closes: request id, room, user id, status or close code, reason —
// never the token.

const INFO = 30;

describe('realtime: upgrade and close logs at info', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  const pool = new ClientPool();
  const tokens: string[] = [];

  beforeAll(async () => {
    s = await bootRealtimeService({ label: 'logs' });
    alice = await s.user();
    tokens.push(alice.token);
  }, 30_000);
  afterEach(() => pool.closeAll(), 10_000);
  afterAll(() => s?.close(), 15_000);

  const lineFor = (msg: string, reqId: string): Promise<Record<string, unknown>> =>
    waitForLog(s.t.logs, (l) => l.msg === msg && l.reqId === reqId, { timeoutMs: 5_000 });

  it('logs an accepted upgrade, then the close with the client’s code and reason', async () => {
    const room = uniqueRoom();
    const c = await pool.connect(s.url, `/ws/${room}`, {
      token: alice.token,
      headers: { 'x-request-id': 'log-accepted-1' },
    });
    expect(await lineFor('room socket opened', 'log-accepted-1')).toMatchObject({
      level: INFO,
      reqId: 'log-accepted-1',
      room,
      userId: alice.id,
      status: 101,
    });
    c.socket.close(4000, 'see you');
    expect(await lineFor('room socket closed', 'log-accepted-1')).toMatchObject({
      level: INFO,
      room,
      userId: alice.id,
      code: 4000,
      reason: 'see you',
      by: 'client',
    });
  }, 15_000);

  it('logs a close by the server with its code and reason', async () => {
    const room = uniqueRoom();
    const c = await pool.connect(s.url, `/ws/${room}`, {
      token: alice.token,
      tokenIn: 'header',
      headers: { 'x-request-id': 'log-server-close-1' },
    });
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await c.waitForClose()).code).toBe(1003);
    expect(await lineFor('room socket closed', 'log-server-close-1')).toMatchObject({
      level: INFO,
      room,
      userId: alice.id,
      code: 1003,
      reason: 'only JSON text frames are accepted',
      by: 'server',
    });
  }, 15_000);

  it('logs a 401 refusal with its code and reason, and no user', async () => {
    const room = uniqueRoom();
    const forged = `${signToken({ sub: alice.id }).slice(0, -4)}AAAA`;
    tokens.push(forged);
    const r = await expectUpgradeRejected(
      WsTestClient.connect(s.url, `/ws/${room}`, { token: forged }),
      401,
      'AUTH_TOKEN_INVALID',
    );
    const line = await lineFor('room socket refused', String(r.headers['x-request-id']));
    expect(line).toMatchObject({
      level: INFO,
      room,
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      reason: r.json().detail,
    });
    expect(line).not.toHaveProperty('userId');
  }, 15_000);

  it('logs a 403 refusal by the room policy with the user it refused', async () => {
    const token = signToken({ sub: alice.id });
    tokens.push(token);
    const r = await expectUpgradeRejected(
      WsTestClient.connect(s.url, '/ws/admin-logs', { token }),
      403,
      'REALTIME_ROOM_FORBIDDEN',
    );
    expect(await lineFor('room socket refused', String(r.headers['x-request-id']))).toMatchObject({
      level: INFO,
      room: 'admin-logs',
      userId: alice.id,
      status: 403,
      code: 'REALTIME_ROOM_FORBIDDEN',
      reason: 'You are not allowed in this room.',
    });
  }, 15_000);

  it('never writes a token, from the query or the header, to any line', () => {
    const text = s.t.logs.text();
    expect(text).toContain('room socket opened');
    expect(text).toContain('room socket refused');
    for (const token of tokens) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]);
    }
  });
});
