import {
  apply,
  applyTemplates,
  chain,
  filter,
  mergeWith,
  move,
  noop,
  type Rule,
  type Tree,
  url,
} from '@angular-devkit/schematics';
import { formatTouchedFiles } from './format';
import { assertGenerated, type ServiceDirs } from './project-files';
import { assertAbsent } from './tree-checks';

/** A feature a schematic adds to a generated service: its folder and, with `spec`, its e2e suite. */
export interface Feature {
  /** What the schematic generates, for messages: `gateway`, `resource`. */
  readonly kind: string;
  readonly dirs: ServiceDirs;
  /** The feature's folder under the source root. */
  readonly folder: string;
  /** The e2e suite's file name in the test directory. */
  readonly e2eSpec: string;
  /** Whether to generate the specs (`--spec`, the default). */
  readonly spec: boolean;
}

/**
 * Fails, before anything is written, when the feature's folder or e2e suite is taken, or when the
 * suite would lack the test helpers the service schematic generates.
 */
export function assertFeatureFree(tree: Tree, feature: Feature): void {
  const { dirs } = feature;
  assertAbsent(tree, `${dirs.sourceRoot}/${feature.folder}`, 'choose another name');
  if (!feature.spec) return;
  assertAbsent(tree, `${dirs.testDir}/${feature.e2eSpec}`, 'choose another name');
  assertGenerated(
    tree,
    `${dirs.testDir}/support/app.ts`,
    'the test helpers startApp() and testAccount()',
    `Pass --no-spec to generate the ${feature.kind} without its e2e test`,
  );
}

/**
 * Writes the schematic's `files/src` templates into the source root and, with `spec`, its
 * `files/test` templates into the test directory (without it, no `*.spec.ts` at all); then the
 * existing files' new contents, computed before anything was written; then formats them all.
 */
export function writeFeature(
  feature: Feature,
  templateOptions: Readonly<Record<string, unknown>>,
  changes: readonly (readonly [path: string, content: string])[],
): Rule {
  const { dirs, spec } = feature;
  return chain([
    mergeWith(
      apply(url('./files/src'), [
        spec ? noop() : filter((path) => !path.endsWith('.spec.ts.template')),
        applyTemplates(templateOptions),
        move(dirs.sourceRoot),
      ]),
    ),
    spec
      ? mergeWith(apply(url('./files/test'), [applyTemplates(templateOptions), move(dirs.testDir)]))
      : noop(),
    (host: Tree) => {
      for (const [path, content] of changes) host.overwrite(path, content);
      return host;
    },
    formatTouchedFiles(),
  ]);
}
