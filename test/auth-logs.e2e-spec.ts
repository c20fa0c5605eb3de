import { createApiKey, Closer, databaseVariants } from '@kit/testing';
import {
  ADMIN,
  bootService,
  call,
  login,
  register,
  type Service,
  tokenRequest,
  uniqueEmail,
} from './support/auth-service';
import { splitToken } from './support/tokens';

// No secret — password, access token, refresh token, API key — ever reaches the logs, at the
// most verbose level, after logins, refreshes, failures and secrets put in URLs.

const PASSWORD = 'Log-Secret-Passw0rd-7f3a';
const WRONG_PASSWORD = 'Wrong-Log-Secret-9c1e';

describe.each(databaseVariants())('secrets never logged on $name', (variant) => {
  let s: Service;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootService(variant, 'auth_logs', { LOG_LEVEL: 'trace' }, { logLevel: 'trace' }),
    );
  });
  afterAll(() => closer.closeAll());

  it('after logins, refreshes, failed attempts and secrets in URLs', async () => {
    const secrets: string[] = [PASSWORD, WRONG_PASSWORD, ADMIN.password];
    const user = await register(s, uniqueEmail('logs'), PASSWORD);
    const first = await login(s, user.email, PASSWORD);
    const admin = await login(s, ADMIN.email, ADMIN.password);
    const second = (await (
      await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: first.refresh_token })
    ).json()) as { access_token: string; refresh_token: string };
    // Reuse of the rotated token (family revoked), then a wrong password, an unknown user.
    await (
      await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: first.refresh_token })
    ).arrayBuffer();
    await (
      await tokenRequest(s, {
        grant_type: 'password',
        username: user.email,
        password: WRONG_PASSWORD,
      })
    ).arrayBuffer();
    await (
      await tokenRequest(s, {
        grant_type: 'password',
        username: 'ghost@example.com',
        password: WRONG_PASSWORD,
      })
    ).arrayBuffer();
    // A password sent as JSON (refused), and registration with an invalid e-mail.
    await (
      await fetch(`${s.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', username: user.email, password: PASSWORD }),
      })
    ).arrayBuffer();
    await (await call(s, '/users', { json: { email: 'bad', password: PASSWORD } })).arrayBuffer();
    const key = await createApiKey(s.t.app, 'log test');
    const created = (await (
      await call(s, '/admin/api-keys', { token: admin.access_token, json: { name: 'via http' } })
    ).json()) as { key: string };
    const tokens = [
      first.access_token,
      first.refresh_token,
      second.access_token,
      second.refresh_token,
      admin.access_token,
      admin.refresh_token,
    ];
    secrets.push(...tokens, key.key, created.key);
    // Signatures alone are secrets too (a token whose signature leaks can be replayed).
    for (const t of [first.access_token, second.access_token, admin.access_token])
      secrets.push(splitToken(t).signature);
    secrets.push(key.key.slice(key.prefix.length + 1), created.key.slice(13));

    const statuses: number[] = [];
    const send = async (path: string, init: Parameters<typeof call>[2] = {}) => {
      const res = await call(s, path, init);
      statuses.push(res.status);
      await res.arrayBuffer();
    };
    await send('/users/me', { token: second.access_token });
    await send('/auth/whoami', { token: second.access_token });
    await send('/users/me', { token: `${first.access_token}x` });
    await send(`/users/me?token=${second.access_token}`);
    await send(`/auth/whoami?access_token=${admin.access_token}&x=1`);
    await send(`/users/me?refresh_token=${second.refresh_token}`);
    await send(`/does-not-exist?token=${admin.access_token}`);
    await send(`/ingest/events?api_key=${key.key}`, { json: { events: [] } });
    await send('/ingest/events', {
      apiKey: key.key,
      json: { events: [{ type: 'a', payload: {} }] },
    });
    await send('/ingest/events', {
      apiKey: `${created.key}x`,
      json: { events: [{ type: 'a', payload: {} }] },
    });
    await send(`/ingest/events?key=${created.key}`, {
      apiKey: created.key,
      json: { events: 'bad' },
    });
    expect(statuses).toEqual([200, 200, 401, 401, 401, 401, 404, 401, 202, 403, 400]);

    const logged = s.t.logs.text();
    // The run did log: request lines with redacted URLs and the refusal reasons.
    expect(logged).toContain('request completed');
    expect(logged).toContain('/users/me?token=[REDACTED]');
    expect(logged).toContain('bearer token refused');
    for (const secret of secrets) expect(logged).not.toContain(secret);
  });
});
