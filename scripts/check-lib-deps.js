// The dependency rule between the kit's libs and the service. Part of `npm run lint`; fails,
// naming the file, line and import, when
//   1. a lib's source (libs/<lib>/src, specs excepted) imports a lib at its own layer or above:
//      http < lifespan < auth < {realtime, tasks} < testing < schematics (so realtime and tasks
//      do not import each other), or its own `@kit/<lib>` alias (import the file instead);
//   2. anything imports into another lib other than through `@kit/<lib>` (the public API) or
//      `@kit/<lib>/internal` (what other kit libs need, not documented): no `@kit/<lib>/<path>`;
//   3. the service (src/) imports `@kit/<lib>/internal`: a service uses the public API only
//      (the kit's own specs, libs/<lib>/test and test/ may use the internal entry points);
//   4. a relative import leaves its lib (libs/<lib>/…), or reaches into libs/ from src/ or test/
//      (test/ may import a lib's test fixtures, libs/<lib>/test/…, never its source).
//
//   node scripts/check-lib-deps.js [root]   (root: the repository, by default this one)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

/** Layer of each lib, low to high: a lib's source imports only libs of a lower layer. */
const LAYERS = { http: 0, lifespan: 1, auth: 2, realtime: 3, tasks: 3, testing: 4, schematics: 5 };
const LAYERING = 'http < lifespan < auth < {realtime, tasks} < testing < schematics';
const SOURCE = /\.[cm]?[jt]s$/;
const SPEC = /\.(?:e2e-)?spec(?:-helper)?\.[cm]?[jt]s$/;
const KIT = /^@kit\/([^/]+)(?:\/(.+))?$/;

function main() {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const found = [];
  let checked = 0;
  for (const file of filesToCheck(root)) {
    checked++;
    for (const { spec, line } of importsOf(file)) {
      const problem = check(root, file, spec);
      if (problem)
        found.push(`${path.relative(root, file)}:${line}: imports "${spec}": ${problem}`);
    }
  }
  if (found.length === 0) {
    process.stdout.write(`lib dependencies: ${checked} files checked, ${LAYERING} kept\n`);
    return;
  }
  process.stderr.write(`lib dependency rule broken:\n  ${found.join('\n  ')}\n`);
  process.exitCode = 1;
}

/** Why `spec`, imported by `file`, breaks the rule; undefined when it does not. */
function check(root, file, spec) {
  const from = ownerOf(root, file);
  if (spec.startsWith('.')) return checkRelative(root, file, spec, from);
  const kit = KIT.exec(spec);
  if (!kit) return undefined;
  const [, lib, subpath] = kit;
  if (subpath !== undefined && subpath !== 'internal') {
    return `a deep import into @kit/${lib}; use "@kit/${lib}" (public) or "@kit/${lib}/internal" (other kit libs)`;
  }
  if (from.kind === 'service' && subpath === 'internal') {
    return `the service uses the public API only; import "@kit/${lib}" (or ask for the name to be public)`;
  }
  if (from.kind !== 'lib' || from.test) return undefined;
  if (lib === from.lib) return `a lib imports its own files relatively, never its own alias`;
  if (!(lib in LAYERS) || !(from.lib in LAYERS)) return undefined;
  if (LAYERS[lib] >= LAYERS[from.lib]) {
    return `@kit/${from.lib} may not import @kit/${lib} (libs import only libs below them: ${LAYERING})`;
  }
  return undefined;
}

function checkRelative(root, file, spec, from) {
  const target = path.resolve(path.dirname(file), spec);
  const libs = path.join(root, 'libs');
  if (from.kind === 'lib') {
    const own = path.join(libs, from.lib);
    if (!isInside(target, own)) {
      return `a relative import that leaves libs/${from.lib}; import another lib through its @kit alias`;
    }
    return undefined;
  }
  if (!isInside(target, libs)) return undefined;
  // The kit's own suites (test/) may share a lib's test fixtures (libs/<lib>/test/), never its source.
  const [, testDir] = path.relative(libs, target).split(path.sep);
  if (from.kind === 'tests' && testDir === 'test') return undefined;
  return `a relative import into libs/; use the @kit alias`;
}

/** Who owns a file: a lib (its shipped source or its tests), the service, or the kit's tests. */
function ownerOf(root, file) {
  const parts = path.relative(root, file).split(path.sep);
  if (parts[0] === 'libs') {
    return { kind: 'lib', lib: parts[1], test: parts[2] !== 'src' || SPEC.test(file) };
  }
  return { kind: parts[0] === 'src' ? 'service' : 'tests' };
}

function isInside(target, dir) {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Module specifiers of a file (imports, exports, require(), import()), with their line. */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName, pos }) => ({
    spec: fileName,
    line: text.slice(0, pos).split('\n').length,
  }));
}

/** src/, test/ and every libs/<lib>/ (schematic templates, in `files/` folders, excluded). */
function filesToCheck(root) {
  const dirs = [path.join(root, 'src'), path.join(root, 'test')];
  const libs = path.join(root, 'libs');
  if (fs.existsSync(libs)) {
    for (const lib of fs.readdirSync(libs)) dirs.push(path.join(libs, lib));
  }
  return dirs.filter((dir) => fs.existsSync(dir)).flatMap(walk);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'dist', 'files'].includes(entry.name) ? [] : walk(full);
    }
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

main();
