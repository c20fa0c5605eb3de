import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseTimeoutError } from './database.errors';
import { NodeSqliteDatabase } from './node-sqlite.adapter';

describe('NodeSqliteDatabase', () => {
  let db: NodeSqliteDatabase;
  beforeEach(() => {
    db = new NodeSqliteDatabase(':memory:', 1_000);
  });
  afterEach(() => db.close());

  it('reuses the prepared statement of SQL it has seen', () => {
    expect(db.prepare('select 1 as x')).toBe(db.prepare('select 1 as x'));
  });

  it('keeps at most 256 statements, dropping the least recently used', () => {
    const first = db.prepare('select 0 as x');
    for (let i = 1; i <= 255; i++) db.prepare(`select ${i} as x`); // the cache is full
    const recent = db.prepare('select 1 as x');
    db.prepare('select 256 as x'); // evicts `select 0`, the least recently used
    expect(db.prepare('select 1 as x')).toBe(recent);
    const again = db.prepare('select 0 as x');
    expect(again).not.toBe(first);
    expect(again.all([])).toEqual([{ x: 0 }]);
  });

  it('binds booleans, dates and undefined the way node:sqlite can store them', () => {
    const row = db.prepare('select ? as b, ? as d, ? as u').all([true, new Date(0), undefined]);
    expect(row).toEqual([{ b: 1, d: '1970-01-01T00:00:00.000Z', u: null }]);
  });
});

describe('NodeSqliteDatabase on a file another connection holds locked', () => {
  let dir: string;
  let holder: NodeSqliteDatabase;
  let waiter: NodeSqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-sqlite-busy-'));
    const file = join(dir, 'busy.db');
    holder = new NodeSqliteDatabase(file, 1_000);
    holder.prepare('create table t (x integer)').run([]);
    waiter = new NodeSqliteDatabase(file, 50);
    holder.prepare('begin immediate').run([]);
  });
  afterEach(() => {
    waiter.close();
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a write with DatabaseTimeoutError (503) once the busy timeout has passed', () => {
    let thrown: unknown;
    try {
      waiter.prepare('insert into t (x) values (?)').run([1]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DatabaseTimeoutError);
    expect(thrown).toMatchObject({
      code: 'DATABASE_TIMEOUT',
      status: 503,
      headers: { 'retry-after': '5' },
    });
  });

  it('leaves other SQLite errors as they are', () => {
    expect(() => waiter.prepare('select * from missing').all([])).toThrow(/no such table/);
    expect(() => waiter.prepare('select * from missing').all([])).not.toThrow(DatabaseTimeoutError);
  });
});
