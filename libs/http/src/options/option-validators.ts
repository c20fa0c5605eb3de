import { maskUrl } from './url.mask';

/**
 * Builds a lib's own config error (`HttpKitConfigError`, `LifespanConfigError`, …) from the
 * option path and what is wrong with it, so every lib keeps its stable error code.
 */
export type OptionErrorFactory = (option: string, problem: string) => Error;

const REDIS_URL = /^rediss?:\/\/[^/]/i;

/**
 * Returns `value` when it is an integer from `min` to `max` (both included); else throws
 * `fail(option, 'must be a whole number from <min> to <max>; got <value>')`.
 */
export function intOption(
  fail: OptionErrorFactory,
  option: string,
  value: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  throw fail(option, `must be a whole number from ${min} to ${max}; got ${String(value)}`);
}

/**
 * Returns `value` when it is a parsable `redis://` or `rediss://` URL with a host (the scheme in
 * any case, as URLs allow); else throws `fail` with the value shown with its password masked.
 * `fix` ends the message with how to set it (e.g. `set REDIS_URL`).
 */
export function redisUrlOption(
  fail: OptionErrorFactory,
  option: string,
  value: unknown,
  fix?: string,
): string {
  if (typeof value === 'string' && REDIS_URL.test(value) && URL.canParse(value)) return value;
  const got = typeof value === 'string' ? `"${maskUrl(value)}"` : String(value);
  const problem = `must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379; got ${got}`;
  throw fail(option, fix === undefined ? problem : `${problem}; ${fix}`);
}
