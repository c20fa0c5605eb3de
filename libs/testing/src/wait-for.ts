import { setTimeout as delay } from 'node:timers/promises';
import type { LogCapture } from './log-capture';

export interface WaitOptions {
  /** Milliseconds before giving up with an error. @default 2_000 */
  timeoutMs?: number;
  /** Milliseconds between two probes. @default 5 */
  intervalMs?: number;
  /** What is awaited, for the timeout message. @default 'a condition' */
  description?: string;
}

/**
 * Bounded polling instead of sleeps: resolves with the probe's first truthy result, or rejects
 * after `timeoutMs` saying what did not happen.
 */
export async function waitFor<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.description ?? 'a condition'}`,
      );
    }
    await delay(options.intervalMs ?? 5);
  }
}

/** Waits for a log line the app wrote (e.g. from a background task), and returns it. */
export function waitForLog(
  logs: LogCapture,
  match: (line: Readonly<Record<string, unknown>>) => boolean,
  options: WaitOptions = {},
): Promise<Record<string, unknown>> {
  return waitFor(() => logs.lines.find(match), { description: 'a matching log line', ...options });
}
