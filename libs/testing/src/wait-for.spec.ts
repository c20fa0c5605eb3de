import { LogCapture } from './log-capture';
import { waitFor, waitForLog, WaitTimeoutError } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value of the probe', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls === 3 ? { calls } : undefined), {
      timeoutMs: 1_000,
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('probes again after a throw, and resolves once the probe succeeds', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 3) throw new Error('not yet');
        return calls;
      },
      { timeoutMs: 1_000 },
    );
    expect(value).toBe(3);
  });

  it('rejects at the deadline, saying what it waited for and the last value', async () => {
    let calls = 0;
    const waited = waitFor(() => (++calls, { done: false }.done), {
      timeoutMs: 30,
      description: 'the job to finish',
    });
    await expect(waited).rejects.toThrow(
      new WaitTimeoutError(
        'timed out after 30 ms waiting for the job to finish: the last probe returned false',
      ),
    );
    expect(calls).toBeGreaterThan(1);
  });

  it('shows the last error of a probe that kept throwing, as the message and the cause', async () => {
    const cause = new Error('connection refused');
    const err = await waitFor(
      () => {
        throw cause;
      },
      { timeoutMs: 20, description: 'the server' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe(
      'timed out after 20 ms waiting for the server: the last probe threw Error: connection refused',
    );
    expect((err as Error).cause).toBe(cause);
  });

  it('does not wait past the deadline for a probe that never settles', async () => {
    let calls = 0;
    const started = performance.now();
    const waited = waitFor(() => (++calls === 1 ? 0 : new Promise<never>(() => undefined)), {
      timeoutMs: 50,
      intervalMs: 1,
      description: 'an answer',
    });
    await expect(waited).rejects.toThrow(
      'timed out after 50 ms waiting for an answer: the last probe was still pending; the one before returned 0',
    );
    // Bounded by the deadline, not by the probe: generous room for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('waitForLog', () => {
  it('returns the first matching line, also one written later', async () => {
    const logs = new LogCapture();
    logs.write('{"msg":"boot"}\n');
    const found = waitForLog(logs, (l) => l.msg === 'task done', { timeoutMs: 1_000 });
    setImmediate(() => logs.write('{"msg":"task done","reqId":"r1"}\n'));
    expect(await found).toEqual({ msg: 'task done', reqId: 'r1' });
  });

  it('names the log line in its timeout error', async () => {
    const logs = new LogCapture();
    await expect(waitForLog(logs, () => false, { timeoutMs: 10 })).rejects.toThrow(
      'timed out after 10 ms waiting for a matching log line: the last probe returned undefined',
    );
  });
});
