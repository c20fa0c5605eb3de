import { createTestApp, type TestApp, Closer, databaseVariants, waitFor } from '@kit/testing';
import { AppModule } from '../src/app.module';
import {
  adminToken,
  bootService,
  call,
  expectInvalidToken,
  registerAndLogin,
  type Service,
} from './support/auth-service';

// Two instances of the service on one database: a change made through one applies on the
// other within the user cache's TTL (1 s), and at once on the instance that made it.

describe.each(databaseVariants())('user changes across instances on $name', (variant) => {
  let a: Service;
  let b: TestApp;
  const closer = new Closer();

  beforeAll(async () => {
    a = await closer.adopt(bootService(variant, 'instances'));
    b = await closer.adopt(createTestApp(AppModule.forRoot(a.config, { scryptCost: 1024 })));
  });

  afterAll(() => closer.closeAll());

  it('a deactivation through instance A is refused by A at once and by B within 1 s', async () => {
    const { tokens, user } = await registerAndLogin(a);
    const onB = (): Promise<Response> =>
      fetch(`${b.url}/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect((await onB()).status).toBe(200);

    const admin = await adminToken(a);
    const patched = await call(a, `/admin/users/${user.id}`, {
      method: 'PATCH',
      token: admin,
      json: { is_active: false },
    });
    expect(patched.status).toBe(200);
    await expectInvalidToken(await call(a, '/users/me', { token: tokens.access_token }));

    // B may serve its cached user until the 1 s TTL runs out; the poll gives up (and the test
    // fails) at 3 s, a bound loose enough for a loaded machine.
    const refused = await waitFor(
      async () => {
        const res = await onB();
        return res.status !== 200 && res;
      },
      { timeoutMs: 3_000, description: 'B to refuse the deactivated user' },
    );
    await expectInvalidToken(refused);
  });
});
