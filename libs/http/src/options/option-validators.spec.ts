import { intOption, redisUrlOption, type OptionErrorFactory } from './option-validators';

class ExampleConfigError extends Error {
  readonly code = 'EXAMPLE_INVALID_OPTION';
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}

const fail: OptionErrorFactory = (option, problem) => new ExampleConfigError(option, problem);

function thrownBy(fn: () => unknown): ExampleConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExampleConfigError) return err;
    throw err;
  }
  throw new Error('expected a config error, nothing was thrown');
}

describe('intOption', () => {
  it.each([0, 5, 10])('returns %p when it is within 0..10 (both ends included)', (value) => {
    expect(intOption(fail, 'x.n', value, 0, 10)).toBe(value);
  });

  it.each([
    [-1, '-1'],
    [11, '11'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Infinity, 'Infinity'],
    ['3' as unknown as number, '3'],
  ])('throws the lib error naming the option and bounds for %p', (value, shown) => {
    const err = thrownBy(() => intOption(fail, 'x.n', value, 0, 10));
    expect(err.code).toBe('EXAMPLE_INVALID_OPTION');
    expect(err.option).toBe('x.n');
    expect(err.message).toBe(`x.n must be a whole number from 0 to 10; got ${shown}`);
  });

  it('has no upper bound but the largest safe integer when max is omitted', () => {
    expect(intOption(fail, 'x.n', Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(thrownBy(() => intOption(fail, 'x.n', Number.MAX_SAFE_INTEGER + 2, 1)).message).toBe(
      `x.n must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}; got ${Number.MAX_SAFE_INTEGER + 2}`,
    );
  });
});

describe('redisUrlOption', () => {
  it.each([
    'redis://127.0.0.1:6379',
    'rediss://user:pw@cache.internal:6380/2',
    'REDIS://127.0.0.1:6379',
    'Rediss://cache.internal',
  ])('accepts %j (scheme in any case)', (url) => {
    expect(redisUrlOption(fail, 'x.url', url)).toBe(url);
  });

  it.each([
    ['http://127.0.0.1:6379', '"http://127.0.0.1:6379/"'],
    ['127.0.0.1:6379', '"127.0.0.1:6379"'],
    ['redis:///0', '"redis:///0"'],
    ['redis://[::1', '"redis://[::1"'],
    ['', '""'],
    [6379, '6379'],
    [undefined, 'undefined'],
  ])('rejects %j', (url, shown) => {
    const err = thrownBy(() => redisUrlOption(fail, 'x.url', url));
    expect(err.code).toBe('EXAMPLE_INVALID_OPTION');
    expect(err.message).toBe(
      `x.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379; got ${shown}`,
    );
  });

  it('masks the password of a rejected URL', () => {
    expect(thrownBy(() => redisUrlOption(fail, 'x.url', 'http://:s3cret@h:1')).message).toBe(
      'x.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379; got "http://:****@h:1/"',
    );
  });

  it('ends the message with the fix when one is given', () => {
    expect(thrownBy(() => redisUrlOption(fail, 'x.url', 'nope', 'set REDIS_URL')).message).toBe(
      'x.url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379; got "nope"; set REDIS_URL',
    );
  });
});
