import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BUILD_TIMEOUT_MS, buildIfNeeded, ROOT } from './support/service-process';

/** The machine's own Node, which users reach for outside the npm scripts. */
const SYSTEM_NODE = '/usr/bin/node';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` on `node` from the repository root, bounded; resolves with how it ended. */
function runOn(node: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(node, args, { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The system Node's version, or why it cannot show the guard (absent, or new enough). */
function oldSystemNode(): { version: string } | { reason: string } {
  if (!existsSync(SYSTEM_NODE)) return { reason: `${SYSTEM_NODE} does not exist` };
  const version = execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { timeout: 10_000 })
    .toString()
    .trim();
  const [major, minor] = version.split('.').map(Number);
  if (major > 24 || (major === 24 && minor >= 9)) {
    return { reason: `${SYSTEM_NODE} is Node ${version}, new enough to pass the guard` };
  }
  return { version };
}

const system = oldSystemNode();
if ('reason' in system) console.warn(`Node version guard not checked: ${system.reason}`);
const whenOldNode = 'version' in system ? describe : describe.skip;

// Every entry point a user may call directly says which Node it needs and how to get it.
whenOldNode('the entry points on a Node older than 24.9', () => {
  const version = 'version' in system ? system.version : '';
  const expectRefusal = (result: Result, command: string): void => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `This needs Node >= 24.9 but runs on Node ${version} (${SYSTEM_NODE}). Run \`npm ci\` (it installs the pinned Node 24 into node_modules/.bin), then \`npm start\` / \`npm test\`, or \`npx node ${command}\` / \`node_modules/.bin/node ${command}\`; or install Node >= 24.9.\n`,
    );
  };

  beforeAll(async () => {
    await buildIfNeeded();
  }, BUILD_TIMEOUT_MS + 10_000);

  it('the built service (dist/src/main.js) exits 1 with the one-line fix', async () => {
    expectRefusal(await runOn(SYSTEM_NODE, ['dist/src/main.js']), 'dist/src/main.js');
  }, 40_000);

  it('Jest, through jest.config.js, exits 1 with the one-line fix', async () => {
    const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];
    expectRefusal(await runOn(SYSTEM_NODE, [...jest, '--listTests']), jest.join(' '));
  }, 40_000);
});
