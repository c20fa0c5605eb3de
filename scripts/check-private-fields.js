// Source files must reach other packages through their public API only: fails when a non-spec
// file under src/ or libs/*/src/ reads one of the private fields listed below (ws's `_sender` and
// `._socket`, pino's stream symbols). Part of `npm run lint`.
//
//   node scripts/check-private-fields.js [root]   (root: the repository, by default this one)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Each private field, and how it appears in source text. */
const PRIVATE_FIELDS = [
  { name: "ws's _sender", pattern: /_sender/ },
  { name: "ws's _socket", pattern: /\._socket/ },
  { name: "pino's symbols", pattern: /\bpino\.symbols\b/ },
  { name: "pino's symbols", pattern: /Symbol\.for\(\s*['"`]pino\./ },
];
/** Source and template files (the schematics' `*.template` files become a service's source). */
const SOURCE = /\.(?:[cm]?[jt]s|template)$/;
/** Specs may read internals: a test that fails when an internal changes is how one is guarded. */
const SPEC = /\.(?:e2e-)?spec\.[cm]?[jt]s$/;

function main() {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const found = [];
  let checked = 0;
  for (const file of sourceFiles(root)) {
    checked++;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const field of PRIVATE_FIELDS) {
        if (field.pattern.test(line)) {
          found.push(`${path.relative(root, file)}:${i + 1}: ${field.name}`);
        }
      }
    });
  }
  if (found.length === 0) {
    process.stdout.write(`private fields: ${checked} files checked, none read\n`);
    return;
  }
  process.stderr.write(
    `private fields of other packages read (use their public API instead):\n  ${found.join('\n  ')}\n`,
  );
  process.exitCode = 1;
}

/** src/ and every libs/<name>/src/, recursively, without specs. */
function sourceFiles(root) {
  const libs = path.join(root, 'libs');
  const dirs = [path.join(root, 'src')];
  if (fs.existsSync(libs)) {
    for (const lib of fs.readdirSync(libs)) dirs.push(path.join(libs, lib, 'src'));
  }
  return dirs.filter((dir) => fs.existsSync(dir)).flatMap(walk);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full);
    return entry.isFile() && SOURCE.test(entry.name) && !SPEC.test(entry.name) ? [full] : [];
  });
}

main();
