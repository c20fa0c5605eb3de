const printed = new Set<string>();

/**
 * Says once per reason (per test file under Jest), on one line of stderr, why some tests do not
 * run (a service variant without its URL). Not `console.warn`: Jest prints that with a stack
 * location under it.
 */
export function printSkipNotice(reason: string): void {
  if (printed.has(reason)) return;
  printed.add(reason);
  process.stderr.write(`${reason}\n`);
}
