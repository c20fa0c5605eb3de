import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tree } from '@angular-devkit/schematics';
import type { UnitTestTree } from '@angular-devkit/schematics/testing';
import {
  collectionRunner,
  failure,
  lint,
  LINT_CLEAN,
  LINT_TIMEOUT_MS,
  snapshot,
  workspace,
} from '../schematics.spec-helper';
import { kitVersions } from '../utils/kit-versions';

// Some tests run lint(): two tools, one after the other, each with its own bound.
jest.setTimeout(LINT_TIMEOUT_MS);

const runner = collectionRunner();
const versions = kitVersions();
const rootPkg = { ...versions.devDependencies, ...versions.dependencies };

const json = (tree: Tree, path: string): Record<string, unknown> =>
  JSON.parse(tree.readText(path)) as Record<string, unknown>;

const monorepo = (): Tree =>
  workspace({
    'nest-cli.json': JSON.stringify({ monorepo: true, root: 'src', projects: {} }, null, 2),
    'tsconfig.json': JSON.stringify({ compilerOptions: { paths: {} } }),
  });

const STANDALONE_FILES = [
  '.gitignore',
  '.oxlintrc.json',
  '.prettierignore',
  '.prettierrc',
  'README.md',
  'jest.config.js',
  'nest-cli.json',
  'package.json',
  'src/accounts/account.dto.ts',
  'src/accounts/account.view.ts',
  'src/accounts/accounts-auth.resolver.ts',
  'src/accounts/accounts-data.module.ts',
  'src/accounts/accounts.controller.ts',
  'src/accounts/accounts.errors.ts',
  'src/accounts/accounts.module.ts',
  'src/accounts/accounts.repository.ts',
  'src/accounts/accounts.service.ts',
  'src/accounts/admin-bootstrap.service.ts',
  'src/app.module.ts',
  'src/auth/signing-key.ts',
  'src/config/app.config.spec.ts',
  'src/config/app.config.ts',
  'src/config/config.constants.ts',
  'src/config/config.error.ts',
  'src/database/migrations.ts',
  'src/database/unique-violation.ts',
  'src/main.ts',
  'src/node-version.guard.js',
  'test/accounts.e2e-spec.ts',
  'test/app.e2e-spec.ts',
  'test/support/app.ts',
  'tsconfig.build.json',
  'tsconfig.json',
];

describe('service', () => {
  describe('standalone, outside a monorepo', () => {
    let tree: UnitTestTree;
    beforeAll(async () => {
      tree = await runner.runSchematic('service', { name: 'billing' }, workspace());
    });

    it('generates a project in ./<name>', () => {
      expect(tree.files.toSorted()).toEqual(STANDALONE_FILES.map((f) => `/billing/${f}`));
    });

    it('depends on the kit by version and on everything else at the kit-pinned versions', () => {
      const pkg = json(tree, 'billing/package.json') as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      expect(pkg.dependencies['@kit/http']).toBe(versions.version);
      expect(pkg.dependencies['@kit/auth']).toBe(versions.version);
      expect(pkg.dependencies['@kit/lifespan']).toBe(versions.version);
      expect(pkg.dependencies['@kit/tasks']).toBeUndefined();
      expect(pkg.devDependencies['@kit/testing']).toBe(versions.version);
      expect(pkg.devDependencies['@kit/schematics']).toBe(versions.version);
      const thirdParty = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
        ([name]) => !name.startsWith('@kit/'),
      );
      expect(thirdParty).toEqual(thirdParty.map(([name]) => [name, rootPkg[name]]));
      expect(pkg.devDependencies.node).toBe(rootPkg.node);
    });

    it("refuses Node < 24.9 first thing in main.ts and jest.config.js, with the kit's guard", () => {
      const kitGuard = readFileSync(
        join(__dirname, '..', '..', '..', '..', 'src', 'node-version.guard.js'),
        'utf8',
      );
      expect(tree.readText('billing/src/node-version.guard.js')).toBe(kitGuard);
      expect(tree.readText('billing/src/main.ts').split('\n')[0]).toMatch(
        /^import '\.\/node-version\.guard';/,
      );
      expect(tree.readText('billing/jest.config.js')).toMatch(
        /^(\/\/.*\n)*require\('\.\/src\/node-version\.guard\.js'\);/,
      );
      expect(json(tree, 'billing/tsconfig.build.json')).toMatchObject({
        compilerOptions: { allowJs: true },
      });
    });

    it('builds with tsc and runs Jest the Nest 12 way', () => {
      const pkg = json(tree, 'billing/package.json') as {
        scripts: Record<string, string>;
        engines: Record<string, string>;
      };
      expect(pkg.engines.node).toBe('>=24.9');
      expect(pkg.scripts.test).toBe('node --experimental-vm-modules node_modules/jest/bin/jest.js');
      expect(pkg.scripts['test:e2e']).toContain('--selectProjects e2e');
      expect(json(tree, 'billing/nest-cli.json')).toMatchObject({
        collection: '@kit/schematics',
        compilerOptions: { builder: 'tsc' },
      });
    });

    it('boots through createHttpApp with the validated config', () => {
      const main = tree.readText('billing/src/main.ts');
      expect(main).toContain("import { createHttpApp, flushLogsSync } from '@kit/http';");
      expect(main).toContain('enableGracefulShutdown(app, {');
      expect(main).toContain('createHttpApp(AppModule.forRoot(config)');
      const appModule = tree.readText('billing/src/app.module.ts');
      for (const module of ['HttpKitModule', 'LifespanModule', 'AuthModule', 'AccountsModule']) {
        expect(appModule).toContain(module);
      }
      expect(appModule).not.toContain('TasksModule');
      expect(appModule).not.toContain('RealtimeModule');
      expect(tree.readText('billing/src/config/app.config.ts')).not.toContain('REDIS_URL');
    });

    it('passes the kit lint (oxlint, prettier)', () => {
      expect(lint(tree)).toEqual(LINT_CLEAN);
    });
  });

  describe('with --libs=tasks,realtime', () => {
    let tree: UnitTestTree;
    beforeAll(async () => {
      tree = await runner.runSchematic(
        'service',
        { name: 'chat-service', libs: 'tasks,realtime' },
        workspace(),
      );
    });

    it('wires TasksModule and RealtimeModule with a room gateway and its tests', () => {
      const appModule = tree.readText('chat-service/src/app.module.ts');
      expect(appModule).toContain('TasksModule.forRoot({ isGlobal: true })');
      expect(appModule).toContain('        RoomsModule,\n');
      expect(appModule).not.toContain('redisUrl: config.redisUrl');
      expect(appModule).toContain('redis: config.redisUrl ? { url: config.redisUrl } : undefined,');
      expect(tree.readText('chat-service/src/rooms/rooms.gateway.ts')).toContain(
        "@RoomGateway({ path: '/ws/:room', description: EVENTS })",
      );
      expect(tree.exists('chat-service/test/rooms.gateway.e2e-spec.ts')).toBe(true);
      expect(tree.readText('chat-service/src/config/app.config.ts')).toContain("read('REDIS_URL')");
    });

    it('depends on @kit/tasks and @kit/realtime', () => {
      const pkg = json(tree, 'chat-service/package.json') as {
        dependencies: Record<string, string>;
      };
      expect(pkg.dependencies['@kit/tasks']).toBe(versions.version);
      expect(pkg.dependencies['@kit/realtime']).toBe(versions.version);
      expect(pkg.dependencies['@nestjs/websockets']).toBe(
        versions.dependencies['@nestjs/websockets'],
      );
    });

    it('passes the kit lint', () => {
      expect(lint(tree)).toEqual(LINT_CLEAN);
    });
  });

  it('accepts --libs repeated (an array) and under --directory', async () => {
    const tree = await runner.runSchematic(
      'service',
      { name: 'billing', libs: ['tasks'], directory: 'services' },
      workspace(),
    );
    expect(tree.readText('services/billing/src/app.module.ts')).toContain('TasksModule');
  });

  describe('with --packages (packed kit tarballs)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kit-packs-'));
      for (const lib of ['http', 'auth', 'lifespan', 'tasks', 'testing', 'schematics']) {
        writeFileSync(join(dir, `kit-${lib}-${versions.version}.tgz`), `${lib} tarball`);
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('copies the packed kit into vendor/ and depends on it there, so the folder can move', async () => {
      const tree = await runner.runSchematic(
        'service',
        { name: 'billing', packages: dir, libs: 'tasks' },
        workspace(),
      );
      const pkg = json(tree, 'billing/package.json') as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      const spec = (lib: string): string => `file:vendor/kit-${lib}-${versions.version}.tgz`;
      expect(pkg.dependencies['@kit/http']).toBe(spec('http'));
      expect(pkg.dependencies['@kit/tasks']).toBe(spec('tasks'));
      expect(pkg.devDependencies['@kit/testing']).toBe(spec('testing'));
      const vendored = tree.files.filter((f) => f.startsWith('/billing/vendor/')).toSorted();
      expect(vendored).toEqual(
        ['auth', 'http', 'lifespan', 'schematics', 'tasks', 'testing'].map(
          (lib) => `/billing/vendor/kit-${lib}-${versions.version}.tgz`,
        ),
      );
      expect(tree.readText(`billing/vendor/kit-http-${versions.version}.tgz`)).toBe('http tarball');
    });

    it('fails naming the missing tarball and the command that makes it', async () => {
      const tree = workspace();
      const err = await failure(
        runner.runSchematic('service', { name: 'billing', packages: dir, libs: 'realtime' }, tree),
      );
      expect(err.message).toContain(`has no kit-realtime-${versions.version}.tgz`);
      expect(err.message).toContain('npm run build:libs -- --pack');
      expect(snapshot(tree)).toEqual({});
    });
  });

  describe('as an app of a monorepo', () => {
    let tree: UnitTestTree;
    beforeAll(async () => {
      tree = await runner.runSchematic('service', { name: 'billing' }, monorepo());
    });

    it('generates apps/<name> using the workspace libs, with no package.json of its own', () => {
      expect(tree.exists('apps/billing/src/main.ts')).toBe(true);
      expect(tree.exists('apps/billing/test/app.e2e-spec.ts')).toBe(true);
      expect(tree.exists('apps/billing/package.json')).toBe(false);
      expect(json(tree, 'apps/billing/tsconfig.app.json')).toMatchObject({
        extends: '../../tsconfig.json',
        compilerOptions: { outDir: '../../dist/apps/billing' },
      });
      expect(tree.readText('apps/billing/jest.config.js')).toContain(
        "require('../../tsconfig.json')",
      );
    });

    it('registers the project in nest-cli.json', () => {
      expect(json(tree, 'nest-cli.json').projects).toEqual({
        billing: {
          type: 'application',
          root: 'apps/billing',
          entryFile: 'apps/billing/src/main',
          sourceRoot: 'apps/billing/src',
          compilerOptions: { tsConfigPath: 'apps/billing/tsconfig.app.json' },
        },
      });
    });

    it('passes the kit lint', () => {
      expect(lint(tree)).toEqual(LINT_CLEAN);
    });
  });

  describe('refuses bad options with a message saying what to change, and writes nothing', () => {
    it.each([
      [{ name: 'Billing' }, 'Invalid service name "Billing": use kebab-case', '"billing"'],
      [{ name: 'order events' }, 'Invalid service name "order events"', '"order-events"'],
      [{ name: '1st-service' }, 'Invalid service name "1st-service"', 'starting with a letter'],
      [{ name: 'a'.repeat(33) }, `Invalid service name "${'a'.repeat(33)}"`, 'at most 32'],
      [{ name: 'billing', libs: 'queues' }, 'Unknown lib "queues" in --libs', 'tasks, realtime'],
      [{ name: 'billing', libs: 'tasks,redis' }, 'Unknown lib "redis"', '--libs=tasks,realtime'],
      [{ name: 'billing', type: 'lambda' }, 'Unknown --type "lambda"', '--type=standalone'],
      [{ name: 'billing', type: 'app' }, '--type=app needs a Nest monorepo', '--type=standalone'],
      [{ name: 'billing', directory: '../elsewhere' }, 'is outside the workspace', 'inside it'],
    ])('%j', async (options, problem, fix) => {
      const tree = workspace({ 'README.md': '# workspace\n' });
      const before = snapshot(tree);
      const err = await failure(runner.runSchematic('service', options, tree));
      expect(err.message).toContain(problem);
      expect(err.message).toContain(fix);
      expect(err.message).toContain('Nothing was written.');
      expect(snapshot(tree)).toEqual(before);
    });

    it('an existing target directory', async () => {
      const tree = workspace({ 'billing/README.md': '# mine\n' });
      const err = await failure(runner.runSchematic('service', { name: 'billing' }, tree));
      expect(err.message).toBe(
        '"billing" already exists: choose another name or --directory, or remove it. Nothing was written.',
      );
      expect(snapshot(tree)).toEqual({ '/billing/README.md': '# mine\n' });
    });

    it('a project name the monorepo already has', async () => {
      const tree = workspace({
        'nest-cli.json': JSON.stringify({ monorepo: true, projects: { billing: {} } }),
      });
      const before = snapshot(tree);
      const err = await failure(runner.runSchematic('service', { name: 'billing' }, tree));
      expect(err.message).toContain('nest-cli.json already has a project "billing"');
      expect(snapshot(tree)).toEqual(before);
    });

    it('--packages for an app of a monorepo', async () => {
      const tree = monorepo();
      const before = snapshot(tree);
      const err = await failure(
        runner.runSchematic('service', { name: 'billing', packages: 'packs' }, tree),
      );
      expect(err.message).toContain('--packages applies to standalone services only');
      expect(snapshot(tree)).toEqual(before);
    });
  });
});
