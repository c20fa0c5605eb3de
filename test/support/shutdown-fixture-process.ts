import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { NodeProcess, ROOT } from './service-process';

// A fixture main (test/fixtures/*.main.ts) compiled to JavaScript against the built libs in
// dist/, and run as a real process: what `node dist/src/main.js` is, for a fixture app.

/** The files each fixture main needs, relative to the repository root. */
const SOURCES = {
  'shutdown-hang': [
    'test/fixtures/shutdown-hang.main.ts',
    'libs/lifespan/test/fixtures/shutdown-fixture.module.ts',
    'libs/lifespan/test/fixtures/recording-resource.ts',
  ],
  crash: ['test/fixtures/crash.main.ts'],
} as const;

/**
 * Transpiles the fixture main and what it imports into `outDir` (same layout as the repository), the
 * `@kit/*` imports pointed at `dist/libs/*`; returns the path of the compiled main.
 */
export function compileFixtureMain(
  outDir: string,
  main: keyof typeof SOURCES = 'shutdown-hang',
): string {
  for (const source of SOURCES[main]) {
    const { outputText } = ts.transpileModule(readFileSync(join(ROOT, source), 'utf8'), {
      fileName: source,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2023,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const js = outputText.replace(
      /require\("@kit\/([a-z]+)"\)/g,
      (_, lib: string) =>
        `require(${JSON.stringify(join(ROOT, 'dist', 'libs', lib, 'src', 'index.js'))})`,
    );
    const target = join(outDir, source).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  return join(outDir, 'test', 'fixtures', `${main}.main.js`);
}

/** A compiled fixture main as a child process, its output collected (like `ServiceProcess`). */
export class FixtureProcess extends NodeProcess {
  constructor(main: string, env: Record<string, string>) {
    // The compiled files live outside the repository: resolve packages from its node_modules.
    super(main, dirname(main), { NODE_PATH: join(ROOT, 'node_modules'), ...env });
  }
}
