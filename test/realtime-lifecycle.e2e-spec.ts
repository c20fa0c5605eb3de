import { Injectable } from '@nestjs/common';
import { AUTH_PRINCIPAL } from '@kit/auth';
import { DomainError, RequestContext } from '@kit/http';
import { REALTIME_CLIENT, RealtimeService, type RoomClient } from '@kit/realtime';
import { WsTestClient, Closer } from '@kit/testing';
import { RoomsGateway } from '../src/realtime/rooms.gateway';
import { ClientPool, messageEnvelope, presence, UUID, uniqueRoom } from './support/ws-expect';
import {
  api,
  bootRealtimeService,
  eventually,
  FAST_REALTIME,
  type RealtimeTestService,
  signToken,
  type TestUser,
} from './support/ws-service';

// A connection's life: closed at its token's exp (4001), on deactivation (4001, periodic
// re-check), when the room policy stops admitting it (1008), when it stops answering pings,
// and with 1001 when the service shuts down; each message runs in its own request context.

describe('realtime: while connected', () => {
  let s: RealtimeTestService;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'lifecycle',
        realtime: { ...FAST_REALTIME, pingIntervalMs: 100, userRecheckIntervalMs: 100 },
      }),
    );
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('closes with 4001 when the token expires, without waiting for a message', async () => {
    const user = await s.user();
    const token = signToken({ sub: user.id, expiresInSec: 2 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as {
      exp: number;
    };
    const c = await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token });
    const closed = await c.waitForClose(5_000);
    const at = Date.now();
    expect(closed).toEqual({ code: 4001, reason: 'token expired' });
    expect(at).toBeGreaterThanOrEqual(exp.exp * 1000 - 20);
    expect(at).toBeLessThan(exp.exp * 1000 + 1_000);
  });

  it('closes with 4001 once the user is deactivated', async () => {
    const user = await s.user();
    const c = await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token: user.token });
    const res = await api(s, `/admin/users/${user.id}`, {
      method: 'PATCH',
      token: s.admin.token,
      json: { is_active: false },
    });
    expect(res.status).toBe(200);
    expect(await c.waitForClose(2_000)).toEqual({ code: 4001, reason: 'user deactivated' });
  });

  it('closes with 1008 when the room policy stops admitting the user', async () => {
    const user = await s.user();
    const promote = (role: string): Promise<Response> =>
      api(s, `/admin/users/${user.id}`, { method: 'PATCH', token: s.admin.token, json: { role } });
    expect((await promote('admin')).status).toBe(200);
    const c = await pool.connect(s.url, `/ws/${uniqueRoom('admin-ops')}`, { token: user.token });
    expect((await promote('user')).status).toBe(200);
    expect(await c.waitForClose(2_000)).toEqual({
      code: 1008,
      reason: 'no longer allowed in this room',
    });
  });

  it('terminates a peer that stops answering pings; live peers stay', async () => {
    const room = uniqueRoom();
    const [deadUser, liveUser] = [await s.user(), await s.user()];
    const live = await pool.connect(s.url, `/ws/${room}`, { token: liveUser.token });
    const dead = await pool.connect(s.url, `/ws/${room}`, {
      token: deadUser.token,
      autoPong: false,
    });
    expect((await dead.waitForClose(2_000)).code).toBe(1006);
    expect(await live.next((m) => m.type === 'presence' && m.event === 'leave')).toEqual(
      presence(room, 'leave', deadUser.id),
    );
    // Several ping intervals later the live one is still there.
    const pings = live.pings;
    await eventually(() => (live.pings >= pings + 3 ? true : undefined), 2_000, 'three more pings');
    live.send('still here');
    expect(await live.nextOfType('message')).toEqual(
      messageEnvelope(room, liveUser.id, 'still here'),
    );
    expect(await s.t.app.get(RealtimeService).members(room)).toEqual([liveUser.id]);
  });
});

interface Seen {
  requestId: string | undefined;
  principal: unknown;
  client: unknown;
  data: unknown;
}

/** The reference gateway plus a message hook that records its request context. */
@Injectable()
class RecordingGateway extends RoomsGateway {
  static readonly seen: Seen[] = [];

  handleMessage(client: RoomClient, data: unknown): void {
    const store = RequestContext.current();
    RecordingGateway.seen.push({
      requestId: store?.requestId,
      principal: store?.values.get(AUTH_PRINCIPAL),
      client: store?.values.get(REALTIME_CLIENT) === client ? 'this client' : 'another',
      data,
    });
    if (data === 'refuse') {
      throw new DomainError('NOT_WELCOME', 422, 'Unprocessable Entity', { detail: 'No thanks.' });
    }
    if (data === 'crash') throw new Error('the hook blew up');
  }
}

describe('realtime: request context per message', () => {
  let s: RealtimeTestService;
  let user: TestUser;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'context',
        override: (builder) => builder.overrideProvider(RoomsGateway).useClass(RecordingGateway),
      }),
    );
    user = await s.user();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('runs each message with a fresh request id (the message id) and the user', async () => {
    const room = uniqueRoom();
    const c = await pool.connect(s.url, `/ws/${room}`, { token: user.token });
    c.send('one');
    c.send('two');
    const first = await c.nextOfType('message');
    const second = await c.nextOfType('message');
    const seen = RecordingGateway.seen.slice(-2);
    expect(seen).toEqual([
      {
        requestId: first.id,
        principal: expect.objectContaining({ id: user.id, roles: ['user'], active: true }),
        client: 'this client',
        data: 'one',
      },
      {
        requestId: second.id,
        principal: expect.objectContaining({ id: user.id }),
        client: 'this client',
        data: 'two',
      },
    ]);
    expect(first.id).toMatch(UUID);
    expect(second.id).not.toBe(first.id);
  });

  it('answers a refused message with the DomainError code and does not broadcast it', async () => {
    const c = await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token: user.token });
    c.send('refuse');
    expect(await c.nextOfType('error')).toEqual({
      type: 'error',
      error: 'NOT_WELCOME',
      detail: 'No thanks.',
    });
    c.send('after');
    expect((await c.nextOfType('message')).data).toBe('after');
    expect(c.received.filter((m) => m.type === 'message')).toHaveLength(1);
  });

  it('logs a failing hook with the request id it quotes to the client', async () => {
    const c = await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token: user.token });
    c.send('crash');
    const reply = await c.nextOfType('error');
    const id = /quote ([0-9a-f-]{36})\.$/.exec(String(reply.detail))?.[1];
    expect(reply).toEqual({
      type: 'error',
      error: 'MESSAGE_FAILED',
      detail: `The message was not accepted; quote ${id}.`,
    });
    const line = s.t.logs.lines.find((l) => String(l.msg).includes('the hook blew up'));
    expect(line).toMatchObject({ level: 50, reqId: id, context: 'Realtime' });
  });
});

describe('realtime: shutdown', () => {
  it('closes every client with 1001 and finishes closing', async () => {
    const s = await bootRealtimeService({ label: 'shutdown' });
    try {
      const users = [await s.user(), await s.user()];
      const clients = await Promise.all(
        users.map((u) => WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { token: u.token })),
      );
      const closes = clients.map((c) => c.waitForClose(5_000));
      await s.close();
      expect(await Promise.all(closes)).toEqual([
        { code: 1001, reason: 'server shutting down' },
        { code: 1001, reason: 'server shutting down' },
      ]);
    } finally {
      await s.close();
    }
  });
});
