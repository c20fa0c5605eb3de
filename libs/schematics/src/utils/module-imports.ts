import { SchematicsException } from '@angular-devkit/schematics';

/** A named import the entry needs: `import { symbol } from 'from';`. */
export interface NamedImport {
  readonly symbol: string;
  readonly from: string;
}

/**
 * Adds `entry` (a module class, or a multi-line `X.forRoot({...})` written with two-space
 * indentation) at the end of the first `imports: [...]` array of a module file (the one
 * `@Module()` or `forRoot()` returns), and the named imports it needs after the last import.
 * Returns the new source; fails with the fix when there is no such array.
 */
export function addToModuleImports(
  source: string,
  file: string,
  entry: string,
  imports: readonly NamedImport[],
): string {
  let result = appendToImportsArray(source, file, entry);
  for (const { symbol, from } of imports) {
    if (new RegExp(`import \\{[^}]*\\b${symbol}\\b[^}]*\\} from`).test(result)) continue;
    const statement = `import { ${symbol} } from '${from}';\n`;
    const at = insertionPoint(result, from.startsWith('.'));
    result = result.slice(0, at) + statement + result.slice(at);
  }
  return result;
}

/** After the last import of the same kind (package or relative), else after the last import. */
function insertionPoint(source: string, relative: boolean): number {
  const all = [...source.matchAll(/^import[\s\S]*?from '([^']+)';\n/gm)];
  const sameKind = all.filter((m) => (m[1] as string).startsWith('.') === relative);
  const last = sameKind.pop() ?? all.pop();
  return last ? (last.index ?? 0) + last[0].length : 0;
}

function appendToImportsArray(source: string, file: string, entry: string): string {
  const open = /\bimports:\s*\[/.exec(source);
  if (!open) {
    throw new SchematicsException(
      `No "imports: [...]" array found in ${file}: add ${entry.split('\n')[0]} to your ` +
        `module's imports yourself and run again with --skip-import. Nothing was written.`,
    );
  }
  const start = open.index + open[0].length;
  const close = matchingBracket(source, start);
  const body = source.slice(start, close);
  if (!body.includes('\n')) {
    const items = body.trim().replace(/,$/, '');
    const inline = items ? `${items}, ${entry}` : entry;
    return source.slice(0, start) + inline + source.slice(close);
  }
  const closingIndent = body.slice(body.lastIndexOf('\n') + 1);
  const itemIndent = closingIndent + '  ';
  const trimmed = body.replace(/\s*$/, '');
  const separator = trimmed.trim() === '' || trimmed.endsWith(',') ? '' : ',';
  const indented = entry
    .split('\n')
    .map((line) => itemIndent + line)
    .join('\n');
  return (
    source.slice(0, start) +
    `${trimmed}${separator}\n${indented},\n${closingIndent}` +
    source.slice(close)
  );
}

/** Index of the `]` closing the array whose content starts at `from`, skipping strings. */
function matchingBracket(source: string, from: number): number {
  let depth = 1;
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new SchematicsException(
    'The imports array has unbalanced brackets: fix the module file first. Nothing was written.',
  );
}
