import { runInNewContext } from 'node:vm';
import { KitConfigError, KitError } from '@kit/http';
import {
  errorMessage,
  LifespanConfigError,
  LifespanError,
  ResourceOpenError,
} from './lifespan.errors';

describe('lifespan errors', () => {
  it('ResourceOpenError names the resource, its target and the cause, with a stable code', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const err = new ResourceOpenError('database', 'postgres://app:****@db/app', cause);
    expect(err).toBeInstanceOf(LifespanError);
    expect(err).toBeInstanceOf(KitError);
    expect(err).toMatchObject({
      name: 'ResourceOpenError',
      code: 'RESOURCE_OPEN_FAILED',
      resource: 'database',
      target: 'postgres://app:****@db/app',
      cause,
      message:
        'resource "database" could not open postgres://app:****@db/app: connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  it('LifespanConfigError puts the option first', () => {
    const err = new LifespanConfigError('lifespan.x', 'is wrong; fix it');
    expect(err).toBeInstanceOf(KitConfigError);
    expect(err.option).toBe('lifespan.x');
    expect(err).toMatchObject({
      name: 'LifespanConfigError',
      code: 'LIFESPAN_INVALID_OPTION',
      message: 'lifespan.x is wrong; fix it',
    });
  });

  describe('errorMessage', () => {
    it('reads the message of an error from another realm', () => {
      const foreign: unknown = runInNewContext('new Error("from elsewhere")');
      expect(foreign instanceof Error).toBe(false);
      expect(errorMessage(foreign)).toBe('from elsewhere');
    });

    it('reads the first inner error of an AggregateError', () => {
      const inner = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
        code: 'ECONNREFUSED',
      });
      expect(errorMessage(new AggregateError([inner, new Error('second')]))).toBe(
        'connect ECONNREFUSED ::1:5432',
      );
    });

    it('falls back to the code, then the name, then String()', () => {
      expect(errorMessage(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
      expect(errorMessage(new TypeError(''))).toBe('TypeError');
      expect(errorMessage('plain text')).toBe('plain text');
      expect(errorMessage(42)).toBe('42');
      expect(errorMessage(null)).toBe('null');
    });
  });
});
