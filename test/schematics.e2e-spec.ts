import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { waitFor } from '@kit/testing';

// The kit used from outside this repository, end to end: pack the libs, install the packed
// schematics in an empty workspace, generate a standalone service (tasks and realtime included),
// move the service folder elsewhere (the packed kit is vendored into it), install it there (npm,
// --prefer-offline: the cache this repo's install filled), add a resource with the service's own
// Nest CLI, then build, type-check, lint and run the service's generated Jest suites; finally
// boot the built service and stop it with SIGTERM.

const ROOT = join(__dirname, '..');
const ROOT_PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};
const VERSION = ROOT_PKG.version;
const NODE = process.execPath;
const SCHEMATICS_CLI = join(
  ROOT,
  'node_modules',
  '@angular-devkit',
  'schematics-cli',
  'bin',
  'schematics.js',
);
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const MINUTE = 60_000;
/** The machine's own Node, which users reach for outside the npm scripts. */
const SYSTEM_NODE = '/usr/bin/node';

interface Run {
  code: number | null;
  output: string;
}

/** Commands still running, killed in `afterAll` when a test failed or timed out under them. */
const running = new Set<ChildProcess>();

/**
 * Kills a command and closes our ends of its pipes: what it spawned (npm's own children) may
 * still hold the other ends, and open pipes would keep Jest from exiting.
 */
function kill(child: ChildProcess): void {
  child.kill('SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
  running.delete(child);
}

/** Runs a command with a bound; resolves with its exit code and combined output. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      kill(child);
      reject(new Error(`${command} ${args.join(' ')} took over ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, output });
    });
  });
}

/** Like `run`, but fails the test with the command's output unless it exits 0. */
async function ok(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<string> {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  }
  return result.output;
}

/** The child's exit code, or a rejection if it has not exited within `timeoutMs`. */
function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no exit within ${timeoutMs} ms of SIGTERM`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Boots the built service on `dataDir`, checks readiness, stops it with SIGTERM and expects
 * exit code 0; resolves with the service's output.
 */
async function bootAndStop(cwd: string, dataDir: string, started: ChildProcess[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...childEnv(), PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  // Its SQLite file in DATA_DIR, which both boots share; never the suites' shared PostgreSQL.
  delete env.DATABASE_URL;
  const child = spawn(NODE, ['dist/main.js'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(
    () => {
      // A failed boot (e.g. a migration refused) exits at once: say why instead of timing out.
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${output}`);
      return /Server listening at (http:\/\/[\d.:]+)/.exec(output)?.[1];
    },
    { timeoutMs: 30_000, description: 'the service to listen' },
  );
  const ready = await fetch(`${url}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok' });
  const exited = exitCode(child, 20_000);
  child.kill('SIGTERM');
  const code = await exited;
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  return output;
}

const CACHE = join(ROOT, 'node_modules', '.cache');
const PACKS_PREFIX = 'kit-e2e-packages-';
/** Written last into a packs directory: the packing finished. */
const PACKED_MARKER = '.packed';

/**
 * What the packed libs are made of: every file under libs/, the build script, the pinned
 * versions and the compiler options. Packs are cached under this key: packing takes about a
 * third of this suite, and identical inputs pack identical tarballs.
 */
function packsKey(): string {
  const hash = createHash('sha256');
  const libs = readdirSync(join(ROOT, 'libs'), { recursive: true, encoding: 'utf8' })
    .map((file) => join(ROOT, 'libs', file))
    .filter((file) => statSync(file).isFile());
  const inputs = ['scripts/build-libs.js', 'package.json', 'package-lock.json', 'tsconfig.json'];
  for (const file of [...libs, ...inputs.map((f) => join(ROOT, f))].sort()) {
    hash
      .update(`${relative(ROOT, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Packs the libs into `packs` unless a previous run already did from the same sources: built
 * beside it, moved in place once complete; packs of other sources are removed.
 */
async function packOnce(packs: string): Promise<void> {
  if (existsSync(join(packs, PACKED_MARKER))) return;
  const building = `${packs}.${process.pid}`;
  try {
    await ok(
      NODE,
      [join(ROOT, 'scripts', 'build-libs.js'), '--out', building, '--pack'],
      ROOT,
      5 * MINUTE,
    );
    writeFileSync(join(building, PACKED_MARKER), '');
    for (const entry of readdirSync(CACHE)) {
      if (entry.startsWith(PACKS_PREFIX) && /^[\w-]+$/.test(entry)) {
        rmSync(join(CACHE, entry), { recursive: true, force: true });
      }
    }
    renameSync(building, packs);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/** The environment without the npm_* variables of the `npm test` around us. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, CI: '1', NO_COLOR: '1' };
}

describe('a new service from the schematics, end to end', () => {
  // Packages are built inside the repo (their declarations resolve fastify & co. from its
  // node_modules); everything else happens in a temp directory.
  // Kept after the run, keyed by the sources it was packed from (see packsKey()).
  const packs = join(CACHE, `${PACKS_PREFIX}${packsKey()}`);
  const work = mkdtempSync(join(tmpdir(), 'kit-e2e-'));
  const generated = join(work, 'billing');
  // Where the service folder is moved after generation, at another depth.
  const service = join(work, 'moved', 'elsewhere', 'billing');
  const tarball = (name: string): string => join(packs, `kit-${name}-${VERSION}.tgz`);
  const started: ChildProcess[] = [];

  afterAll(() => {
    for (const child of [...started, ...running]) if (child.exitCode === null) kill(child);
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'packs every lib as @kit/<name> with @nestjs/* as peer dependencies',
    async () => {
      await packOnce(packs);
      const libs = ['http', 'lifespan', 'auth', 'tasks', 'realtime', 'testing', 'schematics'];
      for (const lib of libs) {
        expect(existsSync(tarball(lib))).toBe(true);
        const pkg = JSON.parse(readFileSync(join(packs, lib, 'package.json'), 'utf8')) as {
          name: string;
          exports: Record<string, unknown>;
          types: string;
          dependencies: Record<string, string>;
          peerDependencies: Record<string, string>;
          peerDependenciesMeta?: Record<string, { optional?: boolean }>;
        };
        expect(pkg.name).toBe(`@kit/${lib}`);
        const readme = readFileSync(join(packs, lib, 'README.md'), 'utf8');
        expect(readme).toBe(readFileSync(join(ROOT, 'libs', lib, 'README.md'), 'utf8'));
        expect(pkg.exports['.']).toEqual({ types: './index.d.ts', default: './index.js' });
        expect(existsSync(join(packs, lib, pkg.types))).toBe(true);
        expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@nestjs/'))).toEqual([]);
        if (lib !== 'schematics') {
          expect(Object.keys(pkg.peerDependencies)).toContain('@nestjs/common');
        }
        for (const [dep, spec] of Object.entries(pkg.dependencies)) {
          if (dep.startsWith('@kit/')) expect(spec).toBe(VERSION);
          else if (lib !== 'schematics') expect(spec).toMatch(/^\^\d+\.\d+\.\d+$/);
        }
        if (lib === 'auth' || lib === 'lifespan') {
          expect(pkg.dependencies.ioredis).toBeUndefined();
          expect(pkg.peerDependencies.ioredis).toMatch(/^\^6\./);
          expect(pkg.peerDependenciesMeta).toEqual({ ioredis: { optional: true } });
        }
      }
    },
    6 * MINUTE,
  );

  it(
    'installs @kit/auth without ioredis, which only a configured Redis resource loads',
    async () => {
      const dir = join(work, 'auth-only');
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), '{ "name": "auth-only", "private": true }\n');
      const libs = ['http', 'lifespan', 'auth'].map(tarball);
      await ok('npm', ['install', ...NPM_FLAGS, ...libs], dir, 4 * MINUTE);
      expect(existsSync(join(dir, 'node_modules', 'ioredis'))).toBe(false);
      const probe = [
        "const auth = require('@kit/auth');",
        "const { RedisResource } = require('@kit/lifespan');",
        'let error;',
        "try { new RedisResource({ url: 'redis://127.0.0.1:1', target: 'redis://127.0.0.1:1', connectTimeoutMs: 100 }, {}); }",
        'catch (err) { error = { code: err.code, message: err.message }; }',
        'console.log(JSON.stringify({ throttle: typeof auth.RedisLoginThrottle, error }));',
      ].join('\n');
      const output = await ok(NODE, ['-e', probe], dir, MINUTE);
      expect(JSON.parse(output.trim().split('\n').pop() ?? '')).toEqual({
        throttle: 'function',
        error: {
          code: 'LIFESPAN_INVALID_OPTION',
          message:
            'lifespan.redis needs the ioredis package, which is not installed: npm install ioredis, or drop the redis option',
        },
      });
    },
    6 * MINUTE,
  );

  it(
    'generates a standalone service with the installed collection',
    async () => {
      writeFileSync(join(work, 'package.json'), '{ "name": "workspace", "private": true }\n');
      await ok(
        'npm',
        ['install', '--no-save', ...NPM_FLAGS, tarball('schematics')],
        work,
        3 * MINUTE,
      );
      const args = [
        '@kit/schematics:service',
        'billing',
        '--libs=tasks,realtime',
        `--packages=${packs}`,
      ];
      const output = await ok(NODE, [SCHEMATICS_CLI, ...args], work, MINUTE);
      expect(output).toContain('CREATE billing/src/main.ts');
      expect(output).toContain('CREATE billing/test/rooms.gateway.e2e-spec.ts');
      // The gateway in the decorator form, with its guarded, validated event.
      expect(output).toContain('CREATE billing/src/rooms/rooms.module.ts');
      expect(output).toContain('CREATE billing/src/rooms/rooms.dto.ts');
      expect(readFileSync(join(generated, 'src', 'rooms', 'rooms.gateway.ts'), 'utf8')).toContain(
        "@RoomGateway({ path: '/ws/:room', description: EVENTS })",
      );
      const pkg = JSON.parse(readFileSync(join(generated, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      expect(pkg.dependencies['@kit/http']).toBe(`file:vendor/kit-http-${VERSION}.tgz`);
      for (const lib of [
        'http',
        'lifespan',
        'auth',
        'tasks',
        'realtime',
        'testing',
        'schematics',
      ]) {
        expect(existsSync(join(generated, 'vendor', `kit-${lib}-${VERSION}.tgz`))).toBe(true);
      }
    },
    4 * MINUTE,
  );

  it(
    'refuses bad options with the fix and writes nothing',
    async () => {
      const before = readdirSync(work).toSorted();
      const cases: [string[], string][] = [
        [['billing'], '"billing" already exists: choose another name'],
        [['Billing Service'], 'Invalid service name "Billing Service": use kebab-case'],
        [['other', '--libs=queues'], 'Unknown lib "queues" in --libs: choose from tasks, realtime'],
      ];
      for (const [args, message] of cases) {
        const result = await run(
          NODE,
          [SCHEMATICS_CLI, '@kit/schematics:service', ...args],
          work,
          MINUTE,
        );
        expect(result.code).toBe(1);
        expect(result.output).toContain(message);
        expect(result.output).toContain('Nothing was written.');
      }
      expect(readdirSync(work).toSorted()).toEqual(before);
    },
    4 * MINUTE,
  );

  it(
    'installs the moved service from its vendored kit, boots once, adds a resource with the Nest CLI, builds and type-checks',
    async () => {
      // Moved to another depth, and the kit's packs out of reach: only vendor/ can satisfy the
      // install. The packs are put back afterwards (they are the cache of later runs).
      mkdirSync(join(service, '..'), { recursive: true });
      renameSync(generated, service);
      const hidden = `${packs}.hidden-${process.pid}`;
      renameSync(packs, hidden);
      try {
        await ok('npm', ['install', ...NPM_FLAGS], service, 6 * MINUTE);
      } finally {
        renameSync(hidden, packs);
      }
      // First deployed without the resource: its database has the libs' and accounts' tables.
      await ok('npm', ['run', 'build'], service, 3 * MINUTE);
      const first = await bootAndStop(service, join(work, 'data'), started);
      expect(first).toContain('migration auth/0100_auth_api_keys applied');
      expect(first).toContain('migration service/0001_accounts applied');
      const created = await ok('npx', ['nest', 'g', 'resource', 'invoices'], service, 2 * MINUTE);
      expect(created).toContain('CREATE src/invoices/invoices.controller.ts');
      expect(created).toContain('UPDATE src/app.module.ts');
      await ok('npm', ['run', 'build'], service, 3 * MINUTE);
      expect(existsSync(join(service, 'dist', 'main.js'))).toBe(true);
      await ok('npm', ['run', 'typecheck'], service, 3 * MINUTE);
    },
    17 * MINUTE,
  );

  it(
    'passes its own lint and its generated Jest suites',
    async () => {
      await ok('npm', ['run', 'lint'], service, 2 * MINUTE);
      // --verbose: the names of the gateway's tests are in the output.
      const output = await ok('npm', ['test', '--', '--verbose'], service, 5 * MINUTE);
      for (const suite of [
        'src/config/app.config.spec.ts',
        'src/rooms/rooms.policy.spec.ts',
        'test/app.e2e-spec.ts',
        'test/accounts.e2e-spec.ts',
        'test/rooms.gateway.e2e-spec.ts',
        'test/invoices.e2e-spec.ts',
      ]) {
        expect(output).toMatch(new RegExp(`PASS \\w+ ${suite.replace(/\./g, '\\.')}`));
      }
      expect(output).toMatch(/Test Suites: 6 passed, 6 total/);
      for (const test of [
        'answers another account FORBIDDEN and keeps its socket open',
        'answers a bad body VALIDATION_FAILED with its field errors',
        'relays an admin announcement to every member and replies to the sender',
      ]) {
        expect(output).toContain(`✓ ${test}`);
      }
    },
    6 * MINUTE,
  );

  it(
    'boots the built service again on its database, with the resource, and exits 0 on SIGTERM',
    async () => {
      // The database was migrated by the boot before the resource was added.
      const output = await bootAndStop(service, join(work, 'data'), started);
      expect(output).toMatch(/migration service\/\d{8}T\d{6}_invoices applied/);
    },
    MINUTE,
  );

  it(
    'refuses an old system Node in dist/main.js and jest.config.js, saying how to get Node 24',
    async () => {
      const version = existsSync(SYSTEM_NODE)
        ? (await ok(SYSTEM_NODE, ['-p', 'process.versions.node'], service, MINUTE)).trim()
        : undefined;
      const [major, minor] = (version ?? '99.0').split('.').map(Number);
      if (major > 24 || (major === 24 && minor >= 9)) {
        console.warn(`Node version guard not checked: ${SYSTEM_NODE} is absent or >= 24.9`);
        return;
      }
      const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];
      for (const args of [['dist/main.js'], [...jest, '--listTests']]) {
        const result = await run(SYSTEM_NODE, args, service, MINUTE);
        expect(result.code).toBe(1);
        expect(result.output).toContain(
          `This needs Node >= 24.9 but runs on Node ${version} (${SYSTEM_NODE}).`,
        );
        expect(result.output).toContain(
          `\`npx node ${args[0] === 'dist/main.js' ? 'dist/main.js' : jest.join(' ')}\``,
        );
      }
    },
    2 * MINUTE,
  );
});
