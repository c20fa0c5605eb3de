import { Closer, expectProblem } from '@kit/testing';
import { ClientPool, ISO_DATE, messageEnvelope, UUID, uniqueRoom } from './support/ws-expect';
import {
  api,
  bootRealtimeService,
  type RealtimeTestService,
  type TestUser,
} from './support/ws-service';

// The reference routes over the realtime service: POST /rooms/{room}/messages (admin, 202) and
// GET /rooms/{room}/members (bearer).

describe('realtime: rooms API', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  let bob: TestUser;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootRealtimeService({ label: 'rooms-api' }));
    alice = await s.user();
    bob = await s.user();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  describe('POST /rooms/{room}/messages', () => {
    it('broadcasts as "system" and answers 202 with the envelope the members got', async () => {
      const room = uniqueRoom();
      const c = await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
      const res = await api(s, `/rooms/${room}/messages`, {
        token: s.admin.token,
        json: { data: { notice: 'maintenance at 22:00' } },
      });
      expect(res.status).toBe(202);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({
        type: 'message',
        room,
        id: expect.stringMatching(UUID),
        from: { id: 'system' },
        data: { notice: 'maintenance at 22:00' },
        ts: expect.stringMatching(ISO_DATE),
      });
      expect(await c.nextOfType('message')).toEqual(body);
      expect(body).toEqual(messageEnvelope(room, 'system', { notice: 'maintenance at 22:00' }));
    });

    it('needs the admin role (403), a token (401), a valid room (400), data (400), a bounded size (413)', async () => {
      await expectProblem(
        await api(s, '/rooms/lobby/messages', { token: alice.token, json: { data: 1 } }),
        403,
        'AUTH_INSUFFICIENT_ROLE',
      );
      await expectProblem(
        await api(s, '/rooms/lobby/messages', { json: { data: 1 } }),
        401,
        'AUTH_TOKEN_MISSING',
      );
      await expectProblem(
        await api(s, '/rooms/bad.room/messages', { token: s.admin.token, json: { data: 1 } }),
        400,
        'REALTIME_INVALID_ROOM',
      );
      await expectProblem(
        await api(s, '/rooms/lobby/messages', { token: s.admin.token, json: {} }),
        400,
        'VALIDATION_FAILED',
        { extensions: { errors: expect.any(Array) } },
      );
      await expectProblem(
        await api(s, '/rooms/lobby/messages', {
          token: s.admin.token,
          json: { data: 'z'.repeat(70_000) },
        }),
        413,
        'REALTIME_MESSAGE_TOO_LARGE',
      );
    });
  });

  describe('GET /rooms/{room}/members', () => {
    it('lists each connected user once, sorted', async () => {
      const room = uniqueRoom();
      await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
      await pool.connect(s.url, `/ws/${room}`, { token: bob.token });
      await pool.connect(s.url, `/ws/${room}`, { token: bob.token });
      const res = await api(s, `/rooms/${room}/members`, { token: alice.token });
      expect(res.status).toBe(200);
      const ids = [alice.id, bob.id].sort();
      expect(await res.json()).toEqual({ room, members: ids.map((id) => ({ id })), count: 2 });
    });

    it('answers an empty room with no members', async () => {
      const room = uniqueRoom();
      const res = await api(s, `/rooms/${room}/members`, { token: alice.token });
      expect(await res.json()).toEqual({ room, members: [], count: 0 });
    });

    it('applies the room policy (403), needs a token (401) and a valid room (400)', async () => {
      await expectProblem(
        await api(s, '/rooms/admin-ops/members', { token: alice.token }),
        403,
        'REALTIME_ROOM_FORBIDDEN',
      );
      expect((await api(s, '/rooms/admin-ops/members', { token: s.admin.token })).status).toBe(200);
      await expectProblem(await api(s, '/rooms/lobby/members'), 401, 'AUTH_TOKEN_MISSING');
      await expectProblem(
        await api(s, '/rooms/bad.room/members', { token: alice.token }),
        400,
        'REALTIME_INVALID_ROOM',
      );
    });
  });

  it('documents the upgrade in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/ws/{room}']?.get?.responses ?? {}).sort()).toEqual([
      '101',
      '400',
      '401',
      '403',
      '404',
      '426',
      '503',
    ]);
    expect(Object.keys(doc.paths['/rooms/{room}/messages'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/rooms/{room}/members'] ?? {})).toEqual(['get']);
  });
});
