import { existsSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve } from 'node:path';
import {
  apply,
  applyTemplates,
  chain,
  mergeWith,
  move,
  noop,
  type Rule,
  schematic,
  SchematicsException,
  type Tree,
  url,
} from '@angular-devkit/schematics';
import { formatTouchedFiles } from '../utils/format';
import { kitVersions, type KitVersions, pinnedVersion } from '../utils/kit-versions';
import { type Names, validateName } from '../utils/names';
import { assertAbsent, readJson } from '../utils/tree-checks';
import type { ServiceOptions } from './service.options';

/** Libs a service may add; http, auth and lifespan are always wired. */
export const OPTIONAL_LIBS = ['tasks', 'realtime'] as const;
type OptionalLib = (typeof OPTIONAL_LIBS)[number];

const DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-fastify',
  '@nestjs/swagger',
  'class-transformer',
  'class-validator',
  'fastify',
  'kysely',
  'reflect-metadata',
  'rxjs',
];
const DEV_DEPENDENCIES = [
  '@nestjs/cli',
  '@nestjs/schematics',
  '@nestjs/testing',
  '@types/jest',
  '@types/node',
  'jest',
  'node',
  'oxlint',
  'prettier',
  'ts-jest',
  'typescript',
];

interface ServicePlan {
  readonly type: 'standalone' | 'app';
  readonly names: Names;
  /** Directory of the service, relative to the workspace root (posix). */
  readonly root: string;
  readonly libs: ReadonlySet<OptionalLib>;
  readonly templateOptions: Record<string, unknown>;
}

/** `service`: a new service wired with @kit/http, @kit/auth, @kit/lifespan (and tasks, realtime). */
export function main(options: ServiceOptions): Rule {
  return (tree: Tree) => {
    const plan = planService(options, tree);
    const files = (dir: string): Rule =>
      mergeWith(apply(url(dir), [applyTemplates(plan.templateOptions), move(plan.root)]));
    return chain([
      files('./files/service'),
      files(plan.type === 'app' ? './files/app' : './files/standalone'),
      plan.type === 'app' ? registerProject(plan) : noop(),
      plan.libs.has('realtime')
        ? schematic('gateway', { name: 'rooms', sourceRoot: `${plan.root}/src` })
        : noop(),
      formatTouchedFiles(),
    ]);
  };
}

/** Validates every option against the tree before anything is written. */
function planService(options: ServiceOptions, tree: Tree): ServicePlan {
  const names = validateName('service', options.name);
  const versions = kitVersions();
  const libs = parseLibs(options.libs, versions);
  const type = options.type ?? (isMonorepo(tree) ? 'app' : 'standalone');
  if (type !== 'standalone' && type !== 'app') {
    throw new SchematicsException(
      `Unknown --type "${String(type)}": use --type=standalone (its own project) or --type=app ` +
        `(a project of this Nest monorepo). Nothing was written.`,
    );
  }
  const parent = normalizeDir(options.directory ?? options.path ?? (type === 'app' ? 'apps' : '.'));
  const root = parent === '.' ? names.kebab : posix.join(parent, names.kebab);
  assertAbsent(tree, root, 'choose another name or --directory, or remove it');
  if (type === 'app') assertMonorepoApp(tree, names.kebab);
  if (options.packages !== undefined && type === 'app') {
    throw new SchematicsException(
      "--packages applies to standalone services only: an app uses the monorepo's libs. " +
        'Drop --packages or pass --type=standalone. Nothing was written.',
    );
  }
  const kit = kitSpecs(versions, libs, root, options.packages);
  return {
    type,
    names,
    root,
    libs,
    templateOptions: {
      names,
      dot: '.',
      root,
      toWorkspace: root
        .split('/')
        .map(() => '..')
        .join('/'),
      tasks: libs.has('tasks'),
      realtime: libs.has('realtime'),
      redis: libs.size > 0,
      dependencies: jsonEntries({
        ...pick(versions, DEPENDENCIES),
        ...pickKit(kit, ['http', 'auth', 'lifespan', ...libs]),
      }),
      devDependencies: jsonEntries({
        ...pick(versions, DEV_DEPENDENCIES),
        ...pickKit(kit, ['testing', 'schematics']),
      }),
      allowScripts: jsonEntries({ ...versions.allowScripts, node: true }),
    },
  };
}

function parseLibs(raw: ServiceOptions['libs'], versions: KitVersions): ReadonlySet<OptionalLib> {
  const list = (Array.isArray(raw) ? raw : [raw ?? ''])
    .flatMap((entry: string) => String(entry).split(','))
    .map((lib) => lib.trim())
    .filter(Boolean);
  const libs = new Set<OptionalLib>();
  for (const lib of list) {
    if (['http', 'auth', 'lifespan'].includes(lib)) continue;
    if (!(OPTIONAL_LIBS as readonly string[]).includes(lib)) {
      throw new SchematicsException(
        `Unknown lib "${lib}" in --libs: choose from ${OPTIONAL_LIBS.join(', ')} ` +
          `(http, auth and lifespan are always included), e.g. --libs=tasks,realtime. Nothing was written.`,
      );
    }
    if (!versions.libs.includes(lib)) {
      throw new SchematicsException(
        `@kit/${lib} is not part of this kit build (${versions.version}): drop "${lib}" from --libs. ` +
          'Nothing was written.',
      );
    }
    libs.add(lib as OptionalLib);
  }
  return libs;
}

function isMonorepo(tree: Tree): boolean {
  return readJson(tree, 'nest-cli.json')?.monorepo === true;
}

function assertMonorepoApp(tree: Tree, name: string): void {
  const config = readJson(tree, 'nest-cli.json');
  if (config?.monorepo !== true) {
    throw new SchematicsException(
      '--type=app needs a Nest monorepo (nest-cli.json with "monorepo": true) in the current ' +
        'directory: run it from the monorepo root, or pass --type=standalone. Nothing was written.',
    );
  }
  const projects = (config?.projects ?? {}) as Record<string, unknown>;
  if (name in projects) {
    throw new SchematicsException(
      `nest-cli.json already has a project "${name}": choose another name. Nothing was written.`,
    );
  }
}

function normalizeDir(dir: string): string {
  const normalized = posix.normalize(dir.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
  if (normalized.startsWith('..') || posix.isAbsolute(normalized)) {
    throw new SchematicsException(
      `--directory "${dir}" is outside the workspace: give a path inside it, e.g. "services". ` +
        'Nothing was written.',
    );
  }
  return normalized;
}

/** `@kit/<lib>` → version, or `file:` spec of the packed tarball when `--packages` is given. */
function kitSpecs(
  versions: KitVersions,
  libs: ReadonlySet<OptionalLib>,
  root: string,
  packages: string | undefined,
): Record<string, string> {
  const needed = ['http', 'auth', 'lifespan', ...libs, 'testing', 'schematics'];
  const specs: Record<string, string> = {};
  for (const lib of needed) {
    if (packages === undefined) {
      specs[lib] = versions.version;
      continue;
    }
    const dir = isAbsolute(packages) ? packages : resolve(process.cwd(), packages);
    const tarball = resolve(dir, `kit-${lib}-${versions.version}.tgz`);
    if (!existsSync(tarball)) {
      throw new SchematicsException(
        `--packages "${packages}" has no kit-${lib}-${versions.version}.tgz: run ` +
          '`npm run build:libs -- --pack --out <dir>` in the kit and pass that directory. ' +
          'Nothing was written.',
      );
    }
    const fromProject = relative(resolve(process.cwd(), root), tarball).replace(/\\/g, '/');
    specs[lib] = `file:${fromProject}`;
  }
  return specs;
}

function pick(versions: KitVersions, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, pinnedVersion(versions, name)]));
}

function pickKit(specs: Record<string, string>, libs: readonly string[]): Record<string, string> {
  return Object.fromEntries(libs.map((lib) => [`@kit/${lib}`, specs[lib] as string]));
}

/** `"a": "1",` lines of a package.json block, sorted like npm writes them. */
function jsonEntries(entries: Readonly<Record<string, string | boolean>>): string {
  return Object.keys(entries)
    .sort()
    .map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(entries[name])}`)
    .join(',\n');
}

/** Adds the app to nest-cli.json's projects, the way `nest g app` does. */
function registerProject(plan: ServicePlan): Rule {
  return (tree: Tree) => {
    const config = readJson(tree, 'nest-cli.json') ?? {};
    const projects = (config.projects ?? {}) as Record<string, unknown>;
    projects[plan.names.kebab] = {
      type: 'application',
      root: plan.root,
      entryFile: `${plan.root}/src/main`,
      sourceRoot: `${plan.root}/src`,
      compilerOptions: { tsConfigPath: `${plan.root}/tsconfig.app.json` },
    };
    const updated = { ...config, projects };
    const text = JSON.stringify(updated, null, 2) + '\n';
    if (tree.exists('nest-cli.json')) tree.overwrite('nest-cli.json', text);
    else tree.create('nest-cli.json', text);
    return tree;
  };
}
