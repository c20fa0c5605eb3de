/// <reference types="jest" />
// Jest's global `describe` (types from @types/jest): no runtime import of a test-only package.
import { printSkipNotice } from './skip-notice';

/** A shared service some suites run against: its URL comes from the environment. */
export type TestService = 'redis' | 'postgres';

interface ServiceSpec {
  readonly label: string;
  readonly env: string;
  readonly example: string;
  /** Rejects a URL of another kind (DATABASE_URL may name an SQLite file). */
  readonly scheme?: { readonly pattern: RegExp; readonly name: string };
}

const SERVICES: Readonly<Record<TestService, ServiceSpec>> = {
  redis: { label: 'Redis', env: 'REDIS_URL', example: 'redis://127.0.0.1:6379' },
  postgres: {
    label: 'PostgreSQL',
    env: 'DATABASE_URL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
    scheme: { pattern: /^postgres(ql)?:\/\//i, name: 'postgres://' },
  },
};

/**
 * The URL of `service` (`REDIS_URL`; `DATABASE_URL` when it is a postgres:// URL). When it is
 * missing: with `REQUIRE_SERVICES=1` throws (the run must not pass without it); otherwise prints
 * the one-line skip notice and returns undefined.
 */
export function serviceUrl(service: TestService): string | undefined {
  const spec = SERVICES[service];
  const url = process.env[spec.env];
  if (url && (!spec.scheme || spec.scheme.pattern.test(url))) return url;
  const reason = `${spec.env} is ${url ? `not a ${spec.scheme?.name ?? ''} URL` : 'unset'}`;
  if (process.env.REQUIRE_SERVICES === '1') {
    throw new Error(
      `${spec.label} is required (REQUIRE_SERVICES=1) but ${reason}; set ${spec.env}`,
    );
  }
  printSkipNotice(`${spec.label} tests not run: ${reason} (e.g. ${spec.example})`);
  return undefined;
}

/**
 * `describe(title, ...)` of tests that need `services`; `body` gets their URLs. A missing
 * service fails the file under `REQUIRE_SERVICES=1`; otherwise its skip notice is printed and the
 * block is declared skipped (its tests are listed as skipped; the missing URLs are empty).
 */
export function describeWithServices<S extends TestService>(
  title: string,
  services: readonly S[],
  body: (urls: Readonly<Record<S, string>>) => void,
): void {
  const urls = {} as Record<S, string>;
  let missing = false;
  for (const service of services) {
    const url = serviceUrl(service);
    missing ||= url === undefined;
    urls[service] = url ?? '';
  }
  const block = missing ? describe.skip : describe;
  block(title, () => {
    body(urls);
  });
}
