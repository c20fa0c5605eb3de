'use strict';
// Builds another commit of this repository for a bench run (`--ref=name=<git ref>`): its tree is
// exported with `git archive` (no worktree is registered) into node_modules/.cache/kit-bench-refs/
// <sha>, given dependencies and built there once, and reused while the cache lasts.
const { execFileSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

const BUILT_MARK = '.kit-bench-built';
const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** An `npm ci` or a build of a checkout taking longer than this is stopped. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/**
 * `spec` is `name=<ref>` (or just `<ref>`, named after its short sha). Returns `{ name, ref, sha,
 * root }` with `root/dist/src/main.js` built from that commit. `expected(message)` makes the
 * caller's errors.
 */
function buildRef(repoRoot, spec, expected) {
  const eq = spec.indexOf('=');
  const ref = eq < 0 ? spec : spec.slice(eq + 1);
  let sha;
  try {
    sha = git(repoRoot, ['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw expected(`--ref: "${ref}" is not a commit of this repository`);
  }
  const name = eq < 0 ? sha.slice(0, 7) : spec.slice(0, eq);
  if (!NAME.test(name)) {
    throw expected(`--ref: name "${name}" must match ${NAME} (it becomes a scenario suffix)`);
  }
  const root = join(repoRoot, 'node_modules', '.cache', 'kit-bench-refs', sha);
  if (!existsSync(join(root, BUILT_MARK))) {
    process.stdout.write(`building ${name} (${ref} = ${sha.slice(0, 10)}) in ${root}\n`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${root}"`], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    installDependencies(repoRoot, root);
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: STEP_TIMEOUT_MS },
    );
    writeFileSync(join(root, BUILT_MARK), `${sha}\n`);
  }
  return { name, ref, sha, root };
}

/**
 * The checkout's `node_modules`: a link to this one when every package the checkout's lockfile
 * pins is installed here at that version (a branch that changes code only; packages added since
 * are never loaded by its code), else its own `npm ci`.
 */
function installDependencies(repoRoot, root) {
  if (lockedHere(join(root, 'package-lock.json'), join(repoRoot, 'package-lock.json'))) {
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    return;
  }
  process.stdout.write(`  its package-lock.json pins other versions: npm ci\n`);
  execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: STEP_TIMEOUT_MS,
  });
}

/** Whether every package `theirs` pins is pinned at the same version (and path) by `ours`. */
function lockedHere(theirs, ours) {
  const here = packages(ours);
  return Object.entries(packages(theirs)).every(
    ([path, p]) => path === '' || here[path]?.version === p.version,
  );
}

function packages(lockfile) {
  return JSON.parse(readFileSync(lockfile, 'utf8')).packages ?? {};
}

function git(cwd, args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

module.exports = { buildRef };
