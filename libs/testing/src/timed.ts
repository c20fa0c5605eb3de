/**
 * How long `work` took to settle and the error it failed with (`undefined` when it resolved):
 * deadline suites assert both without a try/catch per call.
 */
export async function timed(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  let error: unknown;
  await work.catch((err: unknown) => (error = err));
  return { ms: performance.now() - started, error };
}
