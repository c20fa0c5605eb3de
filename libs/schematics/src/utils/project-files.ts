import { posix } from 'node:path';
import { SchematicsException, type Tree } from '@angular-devkit/schematics';
import { kitVersions, pinnedVersion } from './kit-versions';
import { readJson } from './tree-checks';

/** Where a schematic writes inside a service: its source root and its test directory. */
export interface ServiceDirs {
  /** `src`, or `apps/<name>/src` in a monorepo. */
  readonly sourceRoot: string;
  /** `test` next to the source root. */
  readonly testDir: string;
  /** The service's root module. */
  readonly appModule: string;
}

export function serviceDirs(sourceRoot: string | undefined): ServiceDirs {
  const root = posix.normalize((sourceRoot ?? 'src').replace(/\\/g, '/')).replace(/\/+$/, '');
  if (root.startsWith('..') || posix.isAbsolute(root)) {
    throw new SchematicsException(
      `--source-root "${sourceRoot}" is outside the workspace: give a path inside it, e.g. "src". ` +
        'Nothing was written.',
    );
  }
  const parent = posix.dirname(root);
  return {
    sourceRoot: root,
    testDir: parent === '.' ? 'test' : `${parent}/test`,
    appModule: `${root}/app.module.ts`,
  };
}

/** Fails unless `path` exists, naming what the service schematic would have generated there. */
export function assertGenerated(tree: Tree, path: string, what: string, fix: string): void {
  if (!tree.exists(path)) {
    throw new SchematicsException(
      `${path} does not exist: this schematic needs ${what}, as the kit's service schematic ` +
        `generates it. ${fix}. Nothing was written.`,
    );
  }
}

/**
 * In a standalone service (its package.json depends on `@kit/http`), its package.json with
 * `@kit/<lib>` added the same way `@kit/http` is given: the kit's version, or the packed tarball
 * next to `@kit/http`'s (in the service's `vendor/`, where `service --packages` copied the whole
 * packed kit); and `packages` the generated code imports itself, at the versions the kit pins.
 * Computed before anything is written; undefined when there is nothing to add.
 */
export function withKitDependency(
  tree: Tree,
  dirs: ServiceDirs,
  lib: string,
  packages: readonly string[] = [],
): { file: string; text: string } | undefined {
  const beside = posix.join(posix.dirname(dirs.sourceRoot), 'package.json');
  const file = tree.exists(beside) ? beside : 'package.json';
  const pkg = readJson(tree, file);
  const deps = (pkg?.dependencies ?? {}) as Record<string, string>;
  const http = deps['@kit/http'];
  if (!pkg || http === undefined) return undefined;
  const missing = packages.filter((name) => deps[name] === undefined);
  if (deps[`@kit/${lib}`] !== undefined && missing.length === 0) return undefined;
  deps[`@kit/${lib}`] ??= http.startsWith('file:')
    ? vendoredSpec(tree, file, http, lib)
    : kitVersions().version;
  for (const name of missing) deps[name] = pinnedVersion(kitVersions(), name);
  pkg.dependencies = Object.fromEntries(
    Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { file, text: JSON.stringify(pkg, null, 2) + '\n' };
}

/** `file:` spec of `lib`'s tarball beside `@kit/http`'s; fails unless that tarball is there. */
function vendoredSpec(tree: Tree, packageJson: string, httpSpec: string, lib: string): string {
  const spec = httpSpec.replace(/kit-http-([^/]+)\.tgz$/, `kit-${lib}-$1.tgz`);
  const tarball = posix.join(posix.dirname(packageJson), spec.slice('file:'.length));
  if (!tree.exists(tarball)) {
    throw new SchematicsException(
      `${tarball} does not exist: copy kit-${lib}-*.tgz from the kit's ` +
        '`npm run build:libs -- --pack` output there. Nothing was written.',
    );
  }
  return spec;
}
