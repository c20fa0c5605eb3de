import { join } from 'node:path';
import type { Rule, Tree } from '@angular-devkit/schematics';

interface Prettier {
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
  format(source: string, options: Record<string, unknown>): Promise<string>;
}

const FORMATTED = /\.(ts|js|json)$/;

/**
 * Formats every file this run creates or changes with the workspace's own Prettier and config,
 * so long names and the user's printWidth still give lint-clean code. The templates are already
 * formatted for the kit's settings: without Prettier in the workspace this is a no-op.
 */
export function formatTouchedFiles(): Rule {
  return async (tree: Tree) => {
    const prettier = loadPrettier();
    if (!prettier) return;
    for (const action of tree.actions) {
      if ((action.kind !== 'c' && action.kind !== 'o') || !FORMATTED.test(action.path)) continue;
      const path = action.path.replace(/^\//, '');
      const file = join(process.cwd(), path);
      const source = tree.readText(path);
      const options = (await prettier.resolveConfig(file)) ?? {};
      const formatted = await prettier.format(source, { ...options, filepath: file });
      if (formatted !== source) tree.overwrite(path, formatted);
    }
  };
}

function loadPrettier(): Prettier | undefined {
  try {
    return require(require.resolve('prettier', { paths: [process.cwd()] })) as Prettier;
  } catch {
    return undefined;
  }
}
