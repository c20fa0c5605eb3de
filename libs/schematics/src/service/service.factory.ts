import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, posix, resolve } from 'node:path';
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
  /** Packed kit tarballs (absolute paths) copied into `<root>/vendor/` (`--packages`). */
  readonly tarballs: readonly string[];
  readonly templateOptions: Record<string, unknown>;
}

/** Where a service with `--packages` keeps the kit's tarballs, relative to its root. */
const VENDOR_DIR = 'vendor';

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
      vendorTarballs(plan),
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
  const kit = kitSpecs(versions, libs, options.packages);
  return {
    type,
    names,
    root,
    libs,
    tarballs: kit.tarballs,
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
        ...pickKit(kit.specs, ['http', 'auth', 'lifespan', ...libs]),
      }),
      devDependencies: jsonEntries({
        ...pick(versions, DEV_DEPENDENCIES),
        ...pickKit(kit.specs, ['testing', 'schematics']),
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

/**
 * `@kit/<lib>` → version; with `--packages`, `file:vendor/kit-<lib>-<version>.tgz`, and the
 * tarballs to copy there: the service's own, plus every other lib packed next to them (so that
 * `nest g gateway` can add `@kit/realtime` later without the kit at hand). Vendored rather than
 * referenced by a relative path, so the service folder can be moved.
 */
function kitSpecs(
  versions: KitVersions,
  libs: ReadonlySet<OptionalLib>,
  packages: string | undefined,
): { specs: Record<string, string>; tarballs: string[] } {
  const needed = ['http', 'auth', 'lifespan', ...libs, 'testing', 'schematics'];
  if (packages === undefined) {
    return {
      specs: Object.fromEntries(needed.map((lib) => [lib, versions.version])),
      tarballs: [],
    };
  }
  const dir = isAbsolute(packages) ? packages : resolve(process.cwd(), packages);
  const tarball = (lib: string): string => resolve(dir, `kit-${lib}-${versions.version}.tgz`);
  for (const lib of needed) {
    if (!existsSync(tarball(lib))) {
      throw new SchematicsException(
        `--packages "${packages}" has no kit-${lib}-${versions.version}.tgz: run ` +
          '`npm run build:libs -- --pack --out <dir>` in the kit and pass that directory. ' +
          'Nothing was written.',
      );
    }
  }
  const specs = Object.fromEntries(
    needed.map((lib) => [lib, `file:${VENDOR_DIR}/${basename(tarball(lib))}`]),
  );
  const packed = [...new Set([...versions.libs, ...needed])].map(tarball).filter(existsSync);
  return { specs, tarballs: packed };
}

/** Copies the packed kit into `<root>/vendor/` (only with `--packages`). */
function vendorTarballs(plan: ServicePlan): Rule {
  return (tree: Tree) => {
    for (const file of plan.tarballs) {
      tree.create(posix.join(plan.root, VENDOR_DIR, basename(file)), readFileSync(file));
    }
    return tree;
  };
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
