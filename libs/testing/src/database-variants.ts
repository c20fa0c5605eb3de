import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { serviceUrl } from './services';

/** An isolated database for one suite; `url` is what goes into DATABASE_URL. */
export interface TestDatabase {
  readonly url: string;
  /** Removes it (SQLite: its temp dir; PostgreSQL: its schema). Safe to call twice. */
  drop(): Promise<void>;
}

export interface DatabaseVariant {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Creates a fresh isolated database: an SQLite file in a new temp dir, or a new PostgreSQL
   * schema selected through the URL's `search_path`, so suites sharing the server never collide.
   */
  create(label: string): Promise<TestDatabase>;
}

/** An SQLite file in a fresh temp dir: always available. */
export const sqliteVariant: DatabaseVariant = {
  name: 'sqlite',
  create(label) {
    const dir = mkdtempSync(join(tmpdir(), `kit-${label}-`));
    return Promise.resolve({
      url: `sqlite:${join(dir, 'app.db')}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  },
};

/**
 * The PostgreSQL variant when `DATABASE_URL` is a postgres:// URL; otherwise as `serviceUrl()`
 * decides (fails under `REQUIRE_SERVICES=1`, else `undefined` after the skip notice).
 */
export function postgresVariant(): DatabaseVariant | undefined {
  const base = serviceUrl('postgres');
  return base === undefined ? undefined : postgresVariantAt(base);
}

/** SQLite always, PostgreSQL as `postgresVariant()` decides; for `describe.each`. */
export function databaseVariants(): DatabaseVariant[] {
  const pg = postgresVariant();
  return pg ? [sqliteVariant, pg] : [sqliteVariant];
}

/** `base` with `search_path` set to `schema` through the libpq `options` parameter. */
export function withSearchPath(base: string, schema: string): string {
  const options = encodeURIComponent(`-c search_path=${schema}`);
  return `${base}${base.includes('?') ? '&' : '?'}options=${options}`;
}

/** Runs one statement on a short-lived connection to `url`. */
export async function runSql(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL variant on the server of `base` (for `describeWithServices(..., ['postgres'])`). */
export function postgresVariantAt(base: string): DatabaseVariant {
  return {
    name: 'postgres',
    async create(label) {
      const schema = `kit_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
      await runSql(base, `create schema "${schema}"`);
      let dropped: Promise<void> | undefined;
      return {
        url: withSearchPath(base, schema),
        drop: () => (dropped ??= runSql(base, `drop schema if exists "${schema}" cascade`)),
      };
    },
  };
}
