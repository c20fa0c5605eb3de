import { printSkipNotice } from './skip-notice';

describe('printSkipNotice', () => {
  it('writes the reason as one line on stderr, once per reason, without a stack', () => {
    const written: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    try {
      printSkipNotice('Redis tests not run: REDIS_URL is unset');
      printSkipNotice('Redis tests not run: REDIS_URL is unset');
      printSkipNotice('PostgreSQL tests not run: DATABASE_URL is unset');
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual([
      'Redis tests not run: REDIS_URL is unset\n',
      'PostgreSQL tests not run: DATABASE_URL is unset\n',
    ]);
  });
});
