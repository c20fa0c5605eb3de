import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { waitFor, freePort } from '@kit/testing';

/** Where Debian's PostgreSQL 15 server binaries live. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** Why an own cluster cannot run here, or undefined when it can (root, binaries, a postgres user). */
export function ownPostgresUnavailable(): string | undefined {
  if (!existsSync(join(POSTGRES_BIN, 'initdb'))) return `no ${POSTGRES_BIN}/initdb`;
  if (process.getuid?.() !== 0) return 'not running as root (initdb must run as user postgres)';
  try {
    postgresUser();
  } catch {
    return 'no "postgres" system user';
  }
  return undefined;
}

function postgresUser(): { uid: number; gid: number } {
  return { uid: postgresId('-u'), gid: postgresId('-g') };
}

function postgresId(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/**
 * A throwaway PostgreSQL cluster this test owns (never the shared server on 5432): initdb in a
 * temp dir as user `postgres`, a postmaster on a free port; `freeze()` (SIGSTOP) stops the
 * postmaster and every backend. `kill()` is an immediate
 * shutdown that drops every connection; `start()` brings it back on the same port and data.
 */
export class OwnPostgres {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private frozen = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number },
  ) {}

  /** initdb, then start; resolves once it accepts queries. */
  static async create(): Promise<OwnPostgres> {
    const user = postgresUser();
    const dir = mkdtempSync(join(tmpdir(), 'kit-own-pg-'));
    chownSync(dir, user.uid, user.gid);
    const pg = new OwnPostgres(dir, await freePort(), user);
    try {
      await promisify(execFile)(
        join(POSTGRES_BIN, 'initdb'),
        ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
        { ...user, cwd: dir, timeout: 60_000 },
      );
      await pg.start();
      return pg;
    } catch (err) {
      await pg.destroy();
      throw err;
    }
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the postmaster (if not running) and waits until a query answers. */
  async start(withinMs = 30_000): Promise<void> {
    if (this.child) return;
    const child = spawn(
      join(POSTGRES_BIN, 'postgres'),
      ['-D', join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir].concat([
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=20',
      ]),
      { ...this.user, cwd: this.dir, detached: true, stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(() => this.answers(), {
      timeoutMs: withinMs,
      intervalMs: 50,
      description: `the own PostgreSQL on port ${this.port} to answer`,
    });
  }

  /**
   * SIGSTOP to the postmaster, then to each of its children (every backend is its own process
   * group, so a group signal would miss them): connections stay open, nothing answers.
   */
  freeze(): void {
    this.signalAll('SIGSTOP');
    this.frozen = true;
  }

  /** SIGCONT to the same processes: it answers again. */
  thaw(): void {
    if (!this.frozen) return;
    this.signalAll('SIGCONT');
    this.frozen = false;
  }

  /** Immediate shutdown (SIGQUIT): backends exit, clients see their connections drop. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.thaw();
    child.kill('SIGQUIT');
    await this.exited;
    this.child = undefined;
  }

  /** Stops it whatever its state and removes its files. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.child) {
      this.thaw();
      const exited = this.exited;
      this.child.kill('SIGQUIT');
      const timer = setTimeout(() => this.signalAll('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      this.child = undefined;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private signalAll(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    for (const target of [pid, ...childrenOf(pid)]) {
      try {
        process.kill(target, signal);
      } catch {
        // already gone
      }
    }
  }

  private async answers(): Promise<boolean> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Pids whose parent is `pid`, from /proc (field 4 of /proc/<pid>/stat, after the comm). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}
