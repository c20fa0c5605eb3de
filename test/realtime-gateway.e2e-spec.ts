import { Module } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { RoomGateway } from '@kit/realtime';
import {
  Closer,
  createTestApp,
  mintAccessToken,
  type TestApp,
  WsTestClient,
  waitFor,
  WsUpgradeRejected,
} from '@kit/testing';
import { LobbyGateway, realtimeGatewayFixture } from './fixtures/realtime-gateway.module';
import { ClientPool, expectUpgradeRejected, REQUEST_ID, UUID } from './support/ws-expect';

// @RoomGateway classes on real sockets: event routing and replies, Nest's guards, pipes,
// interceptors and filters per message, two gateways on two path templates, and upgrades that
// match no gateway.

jest.setTimeout(20_000);

let counter = 0;
const room = (): string => `r${process.pid}-${++counter}`;

describe('realtime gateways: events', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const pool = new ClientPool();
  const closer = new Closer();

  beforeAll(async () => {
    t = await closer.adopt(createTestApp(realtimeGatewayFixture()));
    for (const [id, roles] of [
      ['alice', ['user']],
      ['bob', ['user']],
      ['root', ['admin']],
    ] as const) {
      tokens[id] = await mintAccessToken(t.app, { id, roles });
    }
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  const join = (user: string, r = room(), path = `/chat/${r}`): Promise<WsTestClient> =>
    pool.connect(t.url, path, { token: tokens[user] });

  it("routes an event to its handler and replies to the sender only, with the frame's id", async () => {
    const r = room();
    const alice = await join('alice', r);
    const bob = await join('bob', r);
    await alice.next((m) => m.type === 'presence' && (m.user as { id: string }).id === 'bob');
    expect(await alice.emit('echo', { n: 1 }, { id: 'frame-1' })).toEqual({
      type: 'reply',
      event: 'echo',
      id: 'frame-1',
      data: { echoed: { n: 1 } },
    });
    // Bob saw no reply, and nothing was broadcast: his next message is alice's later one.
    alice.send('after');
    const next = await bob.next((m) => m.type !== 'presence');
    expect(next).toMatchObject({ type: 'message', data: 'after', from: { id: 'alice' } });
  });

  it('runs each event in its own request context, with the user and the client', async () => {
    const r = room();
    const alice = await join('alice', r);
    const first = await alice.emit('whoami');
    const second = await alice.emit('whoami');
    expect(first.data).toEqual({ user: 'alice', room: r, requestId: expect.stringMatching(UUID) });
    expect((second.data as { requestId: string }).requestId).not.toBe(
      (first.data as { requestId: string }).requestId,
    );
  });

  it('replies with the first value of an Observable and the value of a Promise', async () => {
    const alice = await join('alice');
    expect((await alice.emit('stream')).data).toBe(1);
    expect((await alice.emit('later', 7)).data).toEqual({ later: 7 });
  });

  it('sends no reply for undefined', async () => {
    const alice = await join('alice');
    alice.send({ event: 'silent', id: 'quiet-1' });
    await alice.emit('echo', 'x');
    expect(alice.received.filter((m) => m.id === 'quiet-1')).toEqual([]);
  });

  it('validates a DTO body: VALIDATION_FAILED with field errors, and the socket stays open', async () => {
    const r = room();
    const alice = await join('alice', r);
    const refused = await alice.emit('say', { text: 5, extra: true }, { id: 'bad-say' });
    expect(refused).toEqual({
      type: 'error',
      error: 'VALIDATION_FAILED',
      status: 400,
      detail: expect.any(String),
      event: 'say',
      id: 'bad-say',
      errors: expect.arrayContaining([
        { field: 'extra', message: 'property extra should not exist' },
        { field: 'text', message: 'text must be a string' },
      ]),
    });
    const ok = await alice.emit('say', { text: 'hello' });
    const broadcast = await alice.nextOfType('message');
    expect(broadcast).toMatchObject({ room: r, from: { id: 'alice' }, data: { said: 'hello' } });
    expect(ok.data).toEqual({ id: broadcast.id });
  });

  it('refuses a guarded event with FORBIDDEN (403), keeps the socket, and admits an admin', async () => {
    const alice = await join('alice');
    expect(await alice.emit('admin-only', null, { id: 'a1' })).toEqual({
      type: 'error',
      error: 'FORBIDDEN',
      status: 403,
      detail: expect.any(String),
      event: 'admin-only',
      id: 'a1',
    });
    expect((await alice.emit('echo', 'still open')).type).toBe('reply');
    const root = await join('root');
    expect((await root.emit('admin-only')).data).toBe('welcome, admin');
  });

  it('answers a @UseGuards() guard that says no with FORBIDDEN', async () => {
    const alice = await join('alice');
    expect(await alice.emit('denied')).toMatchObject({ error: 'FORBIDDEN', status: 403 });
  });

  it('answers a DomainError with its code and detail', async () => {
    const alice = await join('alice');
    expect(await alice.emit('refuse', null, { id: 'r1' })).toEqual({
      type: 'error',
      error: 'NOT_TODAY',
      status: 409,
      detail: 'Not today.',
      event: 'refuse',
      id: 'r1',
    });
  });

  it('answers a throwing handler with MESSAGE_FAILED and logs the error under the request id', async () => {
    const alice = await join('alice');
    const reply = await alice.emit('explode', null, { id: 'boom' });
    const requestId = /quote (\S+)\.$/.exec(String(reply.detail))?.[1];
    expect(reply).toEqual({
      type: 'error',
      error: 'MESSAGE_FAILED',
      status: 500,
      detail: `The event was not handled; quote ${requestId}.`,
      event: 'explode',
      id: 'boom',
    });
    expect(requestId).toMatch(UUID);
    expect(JSON.stringify(alice.received)).not.toContain('secret internals');
    const line = t.logs.lines.find((l) => String(l.msg).includes('secret internals 42'));
    expect(line).toMatchObject({ level: 50, reqId: requestId, context: 'Realtime' });
    expect((await alice.emit('echo', 1)).type).toBe('reply');
  });

  it("runs interceptors around the handler, and a gateway's own filter before the kit's", async () => {
    const alice = await join('alice');
    expect((await alice.emit('wrapped')).data).toEqual({ wrapped: 'inner' });
    alice.send({ event: 'teapot', id: 't1' });
    expect(await alice.nextOfType('teapot')).toEqual({ type: 'teapot', status: 418 });
    expect(alice.received.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('broadcasts a frame whose event names no handler, as any other message', async () => {
    const r = room();
    const alice = await join('alice', r);
    alice.send({ event: 'nope', data: 1, id: 'n1' });
    expect(await alice.nextOfType('message')).toMatchObject({
      type: 'message',
      room: r,
      from: { id: 'alice' },
      data: { event: 'nope', data: 1, id: 'n1' },
    });
  });

  it('refuses an event frame with a malformed id', async () => {
    const alice = await join('alice');
    alice.send({ event: 'echo', data: 1, id: 'spaces are not allowed' });
    expect(await alice.nextOfType('error')).toEqual({
      type: 'error',
      error: 'INVALID_FRAME_ID',
      detail: expect.stringContaining('1 to 64 characters'),
    });
  });
});

describe('realtime gateways: two path templates in one app', () => {
  let t: TestApp;
  let token: string;
  const pool = new ClientPool();
  const closer = new Closer();

  beforeAll(async () => {
    t = await closer.adopt(createTestApp(realtimeGatewayFixture()));
    token = await mintAccessToken(t.app, { id: 'alice', roles: ['user'] });
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('serves each gateway on its own path, with its own events, policy and hooks', async () => {
    const r = room();
    const lobby = await pool.connect(t.url, `/lobby/${r}/live`, { token });
    expect(await lobby.nextOfType('presence')).toEqual({
      type: 'presence',
      room: r,
      event: 'join',
      user: { id: 'alice' },
    });
    expect(LobbyGateway.connected).toContain(`alice@${r}`);
    expect(await lobby.emit('ping')).toMatchObject({ type: 'reply', event: 'ping', data: 'pong' });
    // `echo` is the chat gateway's: on the lobby it is just a message.
    lobby.send({ event: 'echo', data: 1 });
    expect((await lobby.nextOfType('message')).data).toEqual({ event: 'echo', data: 1 });
    const chat = await pool.connect(t.url, `/chat/${r}`, { token });
    expect(
      (await chat.emit('ping', null, { timeoutMs: 50 }).catch((e: Error) => e)).message,
    ).toMatch(/no answer/);
    expect((await chat.emit('echo', 2)).data).toEqual({ echoed: 2 });
  });

  it("runs the gateway's class-level filter (declared below @RoomGateway) before the kit's", async () => {
    const lobby = await pool.connect(t.url, `/lobby/${room()}/live`, { token });
    lobby.send({ event: 'teapot' });
    expect(await lobby.nextOfType('teapot')).toEqual({ type: 'teapot', status: 418 });
    // What that filter does not catch still gets the kit's envelope.
    expect(await lobby.emit('explode')).toMatchObject({ error: 'MESSAGE_FAILED', status: 500 });
    expect(lobby.received.filter((m) => m.type === 'error')).toHaveLength(1);
  });

  it('logs a throwing handleConnection and a rejecting handleDisconnect; the socket is served', async () => {
    const lobby = await pool.connect(t.url, '/lobby/hook-throws/live', { token });
    expect(await lobby.emit('ping')).toMatchObject({ type: 'reply', data: 'pong' });
    await lobby.close();
    const failures = await waitFor(() => {
      const lines = t.logs.lines.filter(
        (l) => String(l.msg).startsWith('gateway hook failed') && l.level === 50,
      );
      return lines.length >= 2 ? lines : undefined;
    });
    expect(failures.map((l) => l.msg)).toEqual([
      'gateway hook failed: connection hook blew up',
      'gateway hook failed: disconnect hook rejected',
    ]);
  });

  it("applies the gateway's room policy before the upgrade", async () => {
    await expectUpgradeRejected(
      WsTestClient.connect(t.url, '/lobby/closed/live', { token }),
      403,
      'REALTIME_ROOM_FORBIDDEN',
    );
  });

  it.each(['/lobby/a.b/live', '/lobby//live', '/chat/a/b', '/chat'])(
    'refuses a bad room name under a gateway path with 400: %s',
    async (path) => {
      await expectUpgradeRejected(
        WsTestClient.connect(t.url, path, { token }),
        400,
        'REALTIME_INVALID_ROOM',
      );
    },
  );

  it.each(['/nowhere/lobby', '/lobby/r1', '/ws/lobby'])(
    'answers an upgrade that matches no gateway with a 404 problem, not a hang: %s',
    async (path) => {
      // Not a gateway's: the upgrade stays a plain HTTP request, answered by the router's 404.
      const outcome = await WsTestClient.connect(t.url, path, { token, timeoutMs: 5_000 }).then(
        async (client) => {
          await client.close();
          return new Error('the upgrade was accepted');
        },
        (err: unknown) => err,
      );
      expect(outcome).toBeInstanceOf(WsUpgradeRejected);
      const rejected = outcome as WsUpgradeRejected;
      expect(rejected.status).toBe(404);
      expect(rejected.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expect(rejected.headers['x-request-id']).toMatch(REQUEST_ID);
      expect(rejected.json()).toMatchObject({ status: 404, error: 'NOT_FOUND' });
    },
  );
});

describe('realtime gateways: boot errors', () => {
  @RoomGateway({ path: '/chat/:room' })
  class SecondChat {
    @SubscribeMessage('echo')
    echo(): string {
      return 'second';
    }
  }

  @WebSocketGateway({ path: '/plain' })
  class PlainGateway {}

  @Module({})
  class Empty {}

  it('fails when two gateways declare one path', async () => {
    await expect(createTestApp(realtimeGatewayFixture({}, [SecondChat]))).rejects.toMatchObject({
      code: 'REALTIME_INVALID_OPTION',
      message: expect.stringContaining("@RoomGateway({ path: '/chat/:room' }) is declared by more"),
    });
  });

  it('fails on a plain @WebSocketGateway, naming @RoomGateway', async () => {
    await expect(createTestApp(realtimeGatewayFixture({}, [PlainGateway]))).rejects.toMatchObject({
      code: 'REALTIME_INVALID_OPTION',
      message: expect.stringContaining('declare room sockets with @RoomGateway'),
    });
  });

  it.each(['/ws/:id', '/ws', 'ws/:room', '/ws/:room/:room', '/ws/:room?'])(
    'refuses the path template %s where the gateway is declared',
    (path) => {
      expect(() => RoomGateway({ path })(Empty)).toThrow(
        expect.objectContaining({
          code: 'REALTIME_INVALID_OPTION',
          message: expect.stringContaining('exactly one ":room" segment'),
        }),
      );
    },
  );
});
