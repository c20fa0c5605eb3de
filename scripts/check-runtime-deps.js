// Every package the reference service loads at run time must be in `dependencies`: a production
// install (`npm ci --omit=dev`) has nothing else. Starting from src/main.ts, follows relative
// imports and the `@kit/<lib>` (and `@kit/<lib>/internal`) aliases, compiles each file as `nest build` does (so type-only
// imports are dropped and decorator metadata is kept) and checks every remaining `require()` /
// `import()` of a package. Part of `npm run lint`.
//
//   node scripts/check-runtime-deps.js
'use strict';
const { builtinModules } = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const ENTRY = path.join(root, 'src', 'main.ts');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const REQUIRE = /\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g;

function main() {
  const { dependencies = {} } = readJson(path.join(root, 'package.json'));
  const options = compilerOptions();
  const missing = new Map();
  const seen = new Set();
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeSpecifiers(file, options)) {
      const local = resolveLocal(spec, file);
      if (local) queue.push(local);
      else if (!BUILTINS.has(spec) && !dependencies[packageName(spec)]) {
        if (!missing.has(packageName(spec))) missing.set(packageName(spec), file);
      }
    }
  }
  if (missing.size === 0) {
    process.stdout.write(`runtime dependencies: ${seen.size} files checked, all declared\n`);
    return;
  }
  for (const [name, file] of missing) {
    process.stderr.write(
      `check-runtime-deps: "${name}" is loaded at run time (by ${path.relative(root, file)}) but is not in package.json "dependencies": a production install would crash; move it there\n`,
    );
  }
  process.exit(1);
}

/** The project's compiler options, emitting CommonJS as `nest build` does. */
function compilerOptions() {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root);
  return { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, declaration: false };
}

/** Module specifiers left in the emitted JavaScript of `file`. */
function runtimeSpecifiers(file, options) {
  const source = fs.readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: file });
  return [...outputText.matchAll(REQUIRE)].map((m) => m[1]);
}

/** A source file for a relative import or a `@kit/<lib>` alias; undefined for a package. */
function resolveLocal(spec, from) {
  const kit = /^@kit\/([^/]+)(\/internal)?$/.exec(spec);
  if (kit) return path.join(root, 'libs', kit[1], 'src', kit[2] ? 'internal.ts' : 'index.ts');
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), `${base}.js`]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(root, from)} imports "${spec}", which does not exist`);
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

main();
