import { createTestApp, type TestApp, Closer } from '@kit/testing';
import { HttpFixtureRootModule, rawGet, rawRequest } from './fixtures/http-fixture.module';

// The kit enters the request context in Nest's first onRequest hook, ahead of the hooks Nest
// adds itself (its 503, CORS, versioning, the check that sends unusual targets to 404): a
// request one of those answers is still in the context and still refused while closing.

interface Slots {
  closing: boolean;
}

describe('@kit/http hook order', () => {
  let t: TestApp;
  let slots: Slots;

  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(createTestApp(HttpFixtureRootModule.forRoot()));
    const instance = t.app.getHttpAdapter().getInstance() as unknown as Record<symbol, Slots>;
    slots = instance[Symbol.for('kit.http.hookSlots')] as Slots;
  });
  afterAll(() => closer.closeAll());
  afterEach(() => {
    slots.closing = false;
  });

  it('a target Nest answers itself (404 for `*fixture/ok`) while open', async () => {
    const res = await rawRequest(t.port, rawGet('*fixture/ok'));
    expect(res.status).toBe(404);
  });

  it.each(['*fixture/ok', '/fixture/ok'])(
    "while closing, %p is refused with 503 SHUTTING_DOWN before any of Nest's hooks",
    async (target) => {
      slots.closing = true;
      const res = await rawRequest(t.port, rawGet(target));
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ status: 503, error: 'SHUTTING_DOWN' });
      expect(res.headers['x-request-id']).toHaveLength(1);
    },
  );
});
