import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Tree } from '@angular-devkit/schematics';
import { SchematicTestRunner, type UnitTestTree } from '@angular-devkit/schematics/testing';

/** The collection from its sources, as `nest g -c @kit/schematics` runs it once built. */
export function collectionRunner(): SchematicTestRunner {
  return new SchematicTestRunner('@kit/schematics', join(__dirname, 'collection.json'));
}

/** An empty workspace, or one holding these files. */
export function workspace(files: Readonly<Record<string, string>> = {}): Tree {
  const tree = Tree.empty();
  for (const [path, content] of Object.entries(files)) tree.create(path, content);
  return tree;
}

/** Every file of a tree with its content, to compare before and after a failed run. */
export function snapshot(tree: Tree): Record<string, string> {
  const files: Record<string, string> = {};
  tree.visit((path) => {
    files[path] = tree.readText(path);
  });
  return files;
}

/** The error a schematic run rejects with (fails the test if it resolves). */
export async function failure(run: Promise<UnitTestTree>): Promise<Error> {
  try {
    await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the schematic succeeded');
}

const repoBin = (tool: string): string =>
  join(__dirname, '..', '..', '..', 'node_modules', '.bin', tool);

/** Bound of each tool `lint()` runs (it runs two, one after the other). */
const LINT_TOOL_TIMEOUT_MS = 60_000;
/** Jest timeout of a test that calls `lint()` once: both tools' bounds plus a margin. */
export const LINT_TIMEOUT_MS = 2 * LINT_TOOL_TIMEOUT_MS + 10_000;

/** What `lint()` returns when oxlint and prettier both pass. */
export const LINT_CLEAN = { status: 0, output: 'clean' } as const;

/**
 * Writes the tree under `dir` of a temp directory and runs the project's lint on it: oxlint
 * (deny warnings) and prettier --check, with the configs the tree holds or the kit's.
 */
export function lint(tree: Tree): { status: number; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'kit-schematics-lint-'));
  try {
    tree.visit((path) => {
      const file = join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, tree.readText(path));
    });
    const kitRoot = join(__dirname, '..', '..', '..');
    const run = (tool: string, args: string[]) =>
      spawnSync(repoBin(tool), args, {
        cwd: root,
        encoding: 'utf8',
        timeout: LINT_TOOL_TIMEOUT_MS,
      });
    const oxlint = run('oxlint', ['--deny-warnings', '-c', join(kitRoot, '.oxlintrc.json'), '.']);
    const prettier = run('prettier', ['--check', '--config', join(kitRoot, '.prettierrc'), '.']);
    const clean = oxlint.status === 0 && prettier.status === 0;
    return clean
      ? LINT_CLEAN
      : {
          status: (oxlint.status ?? 1) || (prettier.status ?? 1),
          output: `${oxlint.stdout}${oxlint.stderr}${prettier.stdout}${prettier.stderr}`,
        };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
