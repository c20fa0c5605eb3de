import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(__dirname, '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A Node script as a child process, run on the test's own Node binary with exactly the
 * environment given (plus PATH), its output collected.
 */
export class NodeProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exit: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(script: string, cwd: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close' waits for the output streams to end, so stdout/stderr are complete by then.
    this.exit = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Resolves with the first match of `pattern` on stdout; rejects on exit or after `withinMs`. */
  waitForStdout(pattern: RegExp, withinMs: number): Promise<RegExpMatchArray> {
    const stdout = this.child.stdout!;
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        done();
        reject(new Error(`no ${String(pattern)} on stdout: ${why}\n${this.output()}`));
      };
      // Registered after the collecting listener, so `this.stdout` already holds the chunk.
      const onData = (): void => {
        const match = pattern.exec(this.stdout);
        if (!match) return;
        done();
        resolve(match);
      };
      const onClose = (): void => fail(`exited ${JSON.stringify(this.exitInfo)}`);
      const timer = setTimeout(() => fail(`still absent after ${withinMs} ms`), withinMs);
      const done = (): void => {
        clearTimeout(timer);
        stdout.off('data', onData);
        this.child.off('close', onClose);
      };
      stdout.on('data', onData);
      this.child.once('close', onClose);
      if (pattern.test(this.stdout)) onData();
      else if (this.exitInfo) onClose();
    });
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

  /** Both outputs, for failure messages. */
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

/** The built reference service (`node dist/src/main.js`) as a child process. */
export class ServiceProcess extends NodeProcess {
  constructor(env: Record<string, string>, cwd: string) {
    super(join(ROOT, 'dist', 'src', 'main.js'), cwd, env);
  }
}

/** Bound of `buildIfNeeded()`; a hook calling it needs a Jest timeout above this. */
export const BUILD_TIMEOUT_MS = 180_000;

/** Builds dist/ only when it is missing or stale (CI runs `npm run build` before `npm test`). */
export async function buildIfNeeded(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
    cwd: ROOT,
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
}
