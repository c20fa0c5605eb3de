import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// scripts/check-lib-deps.js (part of `npm run lint`) on a small tree: one clean import per rule,
// then each kind of violation alone, named by file, line and import.

const SCRIPT = join(__dirname, '..', 'scripts', 'check-lib-deps.js');

/** A tree that keeps the rule: every kind of import the rule allows. */
const CLEAN: Record<string, string> = {
  'libs/http/src/index.ts': "export { a } from './context/a';\n",
  'libs/http/src/internal.ts': "export { b } from './context/a';\n",
  'libs/http/src/context/a.ts': 'export const a = 1;\nexport const b = 2;\n',
  'libs/auth/src/index.ts':
    "import { a } from '@kit/http';\nimport { b } from '@kit/http/internal';\nexport const c = a + b;\n",
  'libs/auth/src/guard/g.spec.ts': "import { x } from '@kit/testing';\nvoid x;\n",
  'libs/auth/test/fixture.e2e-spec.ts': "import { b } from '@kit/http/internal';\nvoid b;\n",
  'libs/testing/src/index.ts': "import { c } from '@kit/auth';\nexport const x = c;\n",
  'src/main.ts':
    "import { c } from '@kit/auth';\nimport { helper } from './util/helper';\nvoid [c, helper];\n",
  'src/util/helper.ts': 'export const helper = 1;\n',
  'test/app.e2e-spec.ts':
    "import { b } from '@kit/http/internal';\nimport { c } from '@kit/auth';\nimport { f } from '../libs/auth/test/fixtures/f';\nvoid [b, c, f];\n",
  'libs/auth/test/fixtures/f.ts': 'export const f = 1;\n',
};

function run(files: Record<string, string>): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const root = mkdtempSync(join(tmpdir(), 'kit-lib-deps-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    const result = spawnSync(process.execPath, [SCRIPT, root], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('scripts/check-lib-deps.js', () => {
  it('passes a tree that keeps the rule', () => {
    const result = run(CLEAN);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/lib dependencies: 11 files checked/);
  });

  it.each([
    [
      'a lib importing a lib above it',
      'libs/http/src/context/up.ts',
      "export const n = 1;\nimport { c } from '@kit/auth';\n",
      'libs/http/src/context/up.ts:2: imports "@kit/auth": @kit/http may not import @kit/auth',
    ],
    [
      'realtime importing tasks (same layer)',
      'libs/realtime/src/r.ts',
      "import { t } from '@kit/tasks';\n",
      'libs/realtime/src/r.ts:1: imports "@kit/tasks": @kit/realtime may not import @kit/tasks',
    ],
    [
      "a deep import into another lib's files",
      'libs/auth/src/deep.ts',
      "import { a } from '@kit/http/context/a';\n",
      'libs/auth/src/deep.ts:1: imports "@kit/http/context/a": a deep import into @kit/http',
    ],
    [
      'a deep import from a test',
      'test/deep.e2e-spec.ts',
      "import { a } from '@kit/http/context/a';\n",
      'test/deep.e2e-spec.ts:1: imports "@kit/http/context/a": a deep import into @kit/http',
    ],
    [
      "the service importing a lib's internal entry point",
      'src/app.ts',
      "import { b } from '@kit/http/internal';\n",
      'src/app.ts:1: imports "@kit/http/internal": the service uses the public API only',
    ],
    [
      'a relative import leaving its lib',
      'libs/auth/src/escape.ts',
      "import { a } from '../../http/src/context/a';\n",
      'libs/auth/src/escape.ts:1: imports "../../http/src/context/a": a relative import that leaves libs/auth',
    ],
    [
      'the service reaching into libs/ relatively',
      'src/reach.ts',
      "import { a } from '../libs/http/src/context/a';\n",
      'src/reach.ts:1: imports "../libs/http/src/context/a": a relative import into libs/',
    ],
    [
      "the kit's suites reaching into a lib's source relatively",
      'test/reach.e2e-spec.ts',
      "import { a } from '../libs/http/src/context/a';\n",
      'test/reach.e2e-spec.ts:1: imports "../libs/http/src/context/a": a relative import into libs/',
    ],
    [
      'a lib importing its own alias',
      'libs/auth/src/self.ts',
      "import { c } from '@kit/auth';\n",
      'libs/auth/src/self.ts:1: imports "@kit/auth": a lib imports its own files relatively',
    ],
  ])('fails on %s, naming the file, line and import', (_name, file, text, message) => {
    const result = run({ ...CLEAN, [file]: text });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('lib dependency rule broken:');
    expect(result.stderr).toContain(message);
    // Only the violation is reported, not the clean imports around it.
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
  });
});
