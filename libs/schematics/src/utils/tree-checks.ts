import { normalize } from '@angular-devkit/core';
import { SchematicsException, type Tree } from '@angular-devkit/schematics';

/** Fails when `path` exists in the tree (a file, or a directory with files in it). */
export function assertAbsent(tree: Tree, path: string, fix: string): void {
  const normalized = normalize(path);
  const dir = tree.getDir(normalized);
  if (tree.exists(normalized) || dir.subfiles.length > 0 || dir.subdirs.length > 0) {
    throw new SchematicsException(`"${path}" already exists: ${fix}. Nothing was written.`);
  }
}

/** Reads a UTF-8 file from the tree, or fails with a message naming it and the fix. */
export function readText(tree: Tree, path: string, fix: string): string {
  const content = tree.read(path);
  if (content === null) {
    throw new SchematicsException(`"${path}" does not exist: ${fix}. Nothing was written.`);
  }
  return content.toString('utf8');
}

/** Parses a JSON file of the tree (plain JSON, as the Nest CLI writes nest-cli.json). */
export function readJson(tree: Tree, path: string): Record<string, unknown> | undefined {
  const content = tree.read(path);
  if (content === null) return undefined;
  try {
    return JSON.parse(content.toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new SchematicsException(
      `"${path}" is not valid JSON (${(cause as Error).message}): fix it first. Nothing was written.`,
    );
  }
}
