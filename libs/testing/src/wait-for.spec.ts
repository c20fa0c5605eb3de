import { LogCapture } from './log-capture';
import { waitFor, waitForLog } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value of the probe', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls === 3 ? { calls } : undefined));
    expect(value).toEqual({ calls: 3 });
  });

  it('rejects after the timeout, saying what it waited for', async () => {
    await expect(
      waitFor(() => false, { timeoutMs: 20, description: 'the job to finish' }),
    ).rejects.toThrow('timed out after 20 ms waiting for the job to finish');
  });
});

describe('waitForLog', () => {
  it('returns the first matching line, also one written later', async () => {
    const logs = new LogCapture();
    logs.write('{"msg":"boot"}\n');
    const found = waitForLog(logs, (l) => l.msg === 'task done');
    setImmediate(() => logs.write('{"msg":"task done","reqId":"r1"}\n'));
    expect(await found).toEqual({ msg: 'task done', reqId: 'r1' });
  });
});
