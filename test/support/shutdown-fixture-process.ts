import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT, type Exit } from './service-process';

// A fixture main (test/fixtures/*.main.ts) compiled to JavaScript against the built libs in
// dist/, and run as a real process: what `node dist/src/main.js` is, for a fixture app.

/** The files a fixture main needs, relative to the repository root. */
const SOURCES = [
  'test/fixtures/shutdown-hang.main.ts',
  'test/fixtures/shutdown-fixture.module.ts',
  'test/support/recording-resource.ts',
];

/**
 * Transpiles the fixture main and what it imports into `outDir` (same layout as `test/`), the
 * `@kit/*` imports pointed at `dist/libs/*`; returns the path of the compiled main.
 */
export function compileFixtureMain(outDir: string): string {
  for (const source of SOURCES) {
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
    const target = join(outDir, relative('test', source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  return join(outDir, 'fixtures', 'shutdown-hang.main.js');
}

/** A compiled fixture main as a child process, its output collected (like `ServiceProcess`). */
export class FixtureProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exit: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(main: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [main], {
      cwd: dirname(main),
      // The compiled files live outside the repository: resolve packages from its node_modules.
      env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exit = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** The first match of `pattern` on stdout, polled; rejects on exit or after `withinMs`. */
  async waitForStdout(pattern: RegExp, withinMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (this.exitInfo || Date.now() >= deadline) {
        throw new Error(
          `no ${String(pattern)} on stdout (exit ${JSON.stringify(this.exitInfo)})\n${this.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Resolves with how the process ended, or rejects after `withinMs`. */
  exited(withinMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still running after ${withinMs} ms\n${this.output()}`)),
        withinMs,
      );
    });
    return Promise.race([this.exit, timeout]).finally(() => clearTimeout(timer));
  }

  output(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs and waits for it to end. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.exitInfo) this.child.kill('SIGKILL');
    await this.exit;
  }
}
