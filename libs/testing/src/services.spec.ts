import { describeWithServices, serviceUrl } from './services';

function apply(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** Runs `fn` with `env` applied to process.env and stderr captured; restores both. */
function withEnv<T>(
  env: Record<string, string | undefined>,
  fn: () => T,
): { result: T; stderr: string[] } {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const stderr: string[] = [];
  const write = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0);
  try {
    apply(env);
    return { result: fn(), stderr };
  } finally {
    apply(saved);
    write.mockRestore();
  }
}

// Blocks are declared at collection time (Jest refuses them inside a test): declared here, checked
// by the tests below.
const ran: string[] = [];
withEnv({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://u@127.0.0.1:1/db' }, () =>
  describeWithServices('with both services', ['redis', 'postgres'], (urls) => {
    ran.push(`present: ${urls.redis} ${urls.postgres}`);
    it('is declared when every service is there', () => {
      expect(urls).toEqual({
        redis: 'redis://127.0.0.1:1',
        postgres: 'postgres://u@127.0.0.1:1/db',
      });
    });
  }),
);
const skipped = withEnv({ REDIS_URL: undefined, REQUIRE_SERVICES: undefined }, () =>
  describeWithServices('without Redis', ['redis'], (urls) => {
    ran.push(`missing: "${urls.redis}"`);
    it('is skipped', () => {
      expect(urls.redis).toBe('a skipped test that ran');
    });
  }),
);

describe('describeWithServices', () => {
  it('gives the body the URLs; a block missing one is declared skipped (its test fails if run)', () => {
    expect(ran).toEqual([
      'present: redis://127.0.0.1:1 postgres://u@127.0.0.1:1/db',
      'missing: ""',
    ]);
  });

  it('prints the skip notice of a missing service', () => {
    expect(skipped.stderr.join('')).toContain(
      'Redis tests not run: REDIS_URL is unset (e.g. redis://127.0.0.1:6379)',
    );
  });

  it('fails at declaration under REQUIRE_SERVICES=1 when a service is missing', () => {
    expect(() =>
      withEnv({ REDIS_URL: undefined, REQUIRE_SERVICES: '1' }, () =>
        describeWithServices('never declared', ['redis'], () => undefined),
      ),
    ).toThrow('Redis is required (REQUIRE_SERVICES=1) but REDIS_URL is unset; set REDIS_URL');
  });
});

describe('serviceUrl', () => {
  it('is the environment URL when it is of the right kind', () => {
    expect(withEnv({ REDIS_URL: 'redis://h:6379' }, () => serviceUrl('redis')).result).toBe(
      'redis://h:6379',
    );
    expect(
      withEnv({ DATABASE_URL: 'postgresql://u@h/db' }, () => serviceUrl('postgres')).result,
    ).toBe('postgresql://u@h/db');
  });

  it('treats an SQLite DATABASE_URL as no PostgreSQL, with one notice', () => {
    const { result, stderr } = withEnv(
      { DATABASE_URL: 'sqlite:/tmp/x.db', REQUIRE_SERVICES: undefined },
      () => serviceUrl('postgres'),
    );
    expect(result).toBeUndefined();
    expect(stderr).toEqual([
      'PostgreSQL tests not run: DATABASE_URL is not a postgres:// URL (e.g. postgres://postgres@127.0.0.1:5432/test)\n',
    ]);
  });

  it('throws under REQUIRE_SERVICES=1, naming the variable to set', () => {
    expect(() =>
      withEnv({ DATABASE_URL: 'sqlite:/tmp/x.db', REQUIRE_SERVICES: '1' }, () =>
        serviceUrl('postgres'),
      ),
    ).toThrow(
      'PostgreSQL is required (REQUIRE_SERVICES=1) but DATABASE_URL is not a postgres:// URL; set DATABASE_URL',
    );
  });
});
