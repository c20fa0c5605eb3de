import { posix } from 'node:path';
import { SchematicsException, type Tree } from '@angular-devkit/schematics';
import { kitVersions } from './kit-versions';
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
 * In a standalone service (its package.json depends on `@kit/http`), adds `@kit/<lib>` the same
 * way `@kit/http` is given: the kit's version, or the packed tarball next to `@kit/http`'s.
 */
export function addKitDependency(tree: Tree, dirs: ServiceDirs, lib: string): void {
  const beside = posix.join(posix.dirname(dirs.sourceRoot), 'package.json');
  const file = tree.exists(beside) ? beside : 'package.json';
  const pkg = readJson(tree, file);
  const deps = (pkg?.dependencies ?? {}) as Record<string, string>;
  const http = deps['@kit/http'];
  if (!pkg || http === undefined || deps[`@kit/${lib}`] !== undefined) return;
  deps[`@kit/${lib}`] = http.startsWith('file:')
    ? http.replace(/kit-http-([^/]+)\.tgz$/, `kit-${lib}-$1.tgz`)
    : kitVersions().version;
  pkg.dependencies = Object.fromEntries(
    Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)),
  );
  tree.overwrite(file, JSON.stringify(pkg, null, 2) + '\n');
}
