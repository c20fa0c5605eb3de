import { RoomPath } from './room-path';
import { RoomRoute } from './room-route';
import { RoomRoutes } from './room-routes';

const route = (template: string): RoomRoute => new RoomRoute(new RoomPath(template), {}, 'G');

describe('RoomPath', () => {
  describe('/ws/:room', () => {
    const path = new RoomPath('/ws/:room');

    it.each(['/ws/lobby', '/ws/a_b-C9', `/ws/${'a'.repeat(64)}`])('names the room in %s', (p) => {
      expect(path.match(p)).toEqual({ kind: 'room', room: p.slice(4) });
    });

    it.each(['/ws', '/ws/', '/ws/a.b', '/ws/a/b', `/ws/${'a'.repeat(65)}`, '/ws/caf%C3%A9'])(
      'finds no room name in %s (400)',
      (p) => {
        expect(path.match(p)).toEqual({ kind: 'invalid-room' });
      },
    );

    it.each(['/', '/w', '/wsx/lobby', '/other/lobby'])('is not matched by %s (404)', (p) => {
      expect(path.match(p)).toEqual({ kind: 'none' });
    });

    it('is documented as /ws/{room}', () => {
      expect(path.openApiPath).toBe('/ws/{room}');
    });
  });

  describe('with a suffix: /rooms/:room/live', () => {
    const path = new RoomPath('/rooms/:room/live');

    it('names the room between prefix and suffix', () => {
      expect(path.match('/rooms/lobby/live')).toEqual({ kind: 'room', room: 'lobby' });
      expect(path.openApiPath).toBe('/rooms/{room}/live');
    });

    it.each(['/rooms//live', '/rooms/a.b/live', '/rooms/a/b/live', '/rooms'])(
      'finds no room name in %s',
      (p) => {
        expect(path.match(p)).toEqual({ kind: 'invalid-room' });
      },
    );

    it.each(['/rooms/lobby', '/rooms/lobby/dead', '/roomsx/lobby/live'])(
      'is not matched by %s',
      (p) => {
        expect(path.match(p)).toEqual({ kind: 'none' });
      },
    );
  });

  it.each(['/ws/:id', '/ws', 'ws/:room', '/ws/:room/:room', '/ws/:room?', '/ws/:room/', ''])(
    'refuses the template %s, naming the fix',
    (template) => {
      expect(() => new RoomPath(template)).toThrow(
        expect.objectContaining({
          code: 'REALTIME_INVALID_OPTION',
          message: `@RoomGateway({ path: '${template}' }) must be an absolute path with exactly one ":room" segment and static segments around it, e.g. '/ws/:room'`,
        }),
      );
    },
  );
});

describe('RoomRoutes', () => {
  it('prefers the gateway whose template names a valid room', () => {
    const routes = new RoomRoutes();
    const flat = route('/ws/:room');
    const live = route('/ws/:room/live');
    routes.add(flat);
    routes.add(live);
    expect(routes.match('/ws/lobby/live')).toEqual({ route: live, room: 'lobby' });
    expect(routes.match('/ws/lobby')).toEqual({ route: flat, room: 'lobby' });
  });

  it('gives a path under a prefix without a valid room to the first such gateway', () => {
    const routes = new RoomRoutes();
    const flat = route('/ws/:room');
    routes.add(flat);
    routes.add(route('/ws/:room/live'));
    expect(routes.match('/ws/a.b/live')).toEqual({ route: flat, room: undefined });
  });

  it('matches nothing outside every template, and nothing once a route is removed', () => {
    const routes = new RoomRoutes();
    const flat = route('/ws/:room');
    routes.add(flat);
    expect(routes.match('/api/lobby')).toBeUndefined();
    routes.remove(flat);
    expect(routes.match('/ws/lobby')).toBeUndefined();
  });

  it('refuses a second gateway connecting on the same route', () => {
    const r = route('/ws/:room');
    r.bindConnect(() => undefined);
    expect(() => r.bindConnect(() => undefined)).toThrow(
      "@RoomGateway({ path: '/ws/:room' }) is declared by more than one gateway (G is one); give each its own path",
    );
  });
});
