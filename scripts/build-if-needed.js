// `npm start` builds only when dist is missing or older than a source file (.ts, or the .js guard).
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const mainJs = join(root, 'dist', 'src', 'main.js');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (/\.[jt]s$/.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const built = existsSync(mainJs) ? statSync(mainJs).mtimeMs : 0;
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'libs')));
if (built < sources) {
  process.stdout.write('building (dist is missing or older than the sources)...\n');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
