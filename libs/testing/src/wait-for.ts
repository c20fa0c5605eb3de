import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';
import type { LogCapture } from './log-capture';

export interface WaitOptions {
  /** Milliseconds before giving up with an error; every wait says its bound. */
  timeoutMs: number;
  /** Milliseconds between two probes. @default 5 */
  intervalMs?: number;
  /** What is awaited, for the timeout message. @default 'a condition' */
  description?: string;
}

/** A probe's "not yet": anything falsy. */
type NotYet = null | undefined | false | 0 | '';

/** Thrown by `waitFor()` at its deadline; `cause` is the probe's last error, if it threw. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Bounded polling instead of sleeps: resolves with the probe's first truthy result. A probe that
 * throws is probed again (its error may be the "not yet"). At `timeoutMs` — also while a probe is
 * still pending — rejects with a `WaitTimeoutError` saying what did not happen and what the last
 * probe returned or threw.
 */
export async function waitFor<T>(
  probe: () => T | NotYet | Promise<T | NotYet>,
  options: WaitOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 5 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | { error: unknown } | undefined;
  for (;;) {
    const outcome = await settleBefore(deadline, probe);
    if (outcome !== PENDING) {
      last = outcome;
      if ('value' in outcome && outcome.value) return outcome.value as T;
    }
    const left = deadline - Date.now();
    if (outcome === PENDING || left <= 0) throw timeoutError(options, outcome, last);
    await delay(Math.min(intervalMs, left));
  }
}

/** Waits for a log line the app wrote (e.g. from a background task), and returns it. */
export function waitForLog(
  logs: LogCapture,
  match: (line: Readonly<Record<string, unknown>>) => boolean,
  options: WaitOptions,
): Promise<Record<string, unknown>> {
  return waitFor(() => logs.lines.find(match), { description: 'a matching log line', ...options });
}

const PENDING = Symbol('pending');

/** The probe's value or error, or PENDING when the deadline came first. */
async function settleBefore(
  deadline: number,
  probe: () => unknown,
): Promise<{ value: unknown } | { error: unknown } | typeof PENDING> {
  const settled = (async () => {
    try {
      return { value: await probe() };
    } catch (error) {
      return { error };
    }
  })();
  const controller = new AbortController();
  const timer = delay(Math.max(0, deadline - Date.now()), PENDING, { signal: controller.signal });
  try {
    return await Promise.race([settled, timer]);
  } finally {
    controller.abort();
    timer.catch(() => undefined);
  }
}

function timeoutError(
  options: WaitOptions,
  outcome: unknown,
  last: { value: unknown } | { error: unknown } | undefined,
): WaitTimeoutError {
  const what = `timed out after ${options.timeoutMs} ms waiting for ${options.description ?? 'a condition'}`;
  if (outcome === PENDING) {
    const before = last ? `; the one before ${summarize(last)}` : '';
    return new WaitTimeoutError(`${what}: the last probe was still pending${before}`);
  }
  if (last && 'error' in last)
    return new WaitTimeoutError(`${what}: the last probe ${summarize(last)}`, {
      cause: last.error,
    });
  return new WaitTimeoutError(`${what}: the last probe ${summarize(last ?? { value: undefined })}`);
}

function summarize(outcome: { value: unknown } | { error: unknown }): string {
  if ('error' in outcome) {
    const { error } = outcome;
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : inspect(error)}`;
  }
  return `returned ${inspect(outcome.value, { depth: 2, breakLength: Infinity })}`;
}
