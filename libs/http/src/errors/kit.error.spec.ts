import { DomainError, RequestValidationError } from '../problem/domain.error';
import { HttpKitConfigError, HttpKitError } from '../http.errors';
import { KitConfigError, KitError } from './kit.error';

class ExampleError extends KitError {}

describe('KitError', () => {
  it('carries a stable code, the subclass name and the cause', () => {
    const cause = new Error('socket hang up');
    const err = new ExampleError('EXAMPLE_FAILED', 'it failed', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'ExampleError',
      code: 'EXAMPLE_FAILED',
      message: 'it failed',
      cause,
    });
  });

  it('is the base of DomainError, which keeps its code and status', () => {
    const err = new RequestValidationError([{ field: 'name', message: 'is required' }]);
    expect(err).toBeInstanceOf(KitError);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      name: 'RequestValidationError',
      code: 'VALIDATION_FAILED',
      status: 400,
    });
  });
});

describe('KitConfigError', () => {
  it('puts the option first and keeps the code it is given', () => {
    const err = new KitConfigError('EXAMPLE_INVALID_OPTION', 'example.limit', 'must be positive');
    expect(err).toBeInstanceOf(KitError);
    expect(err).toMatchObject({
      name: 'KitConfigError',
      code: 'EXAMPLE_INVALID_OPTION',
      option: 'example.limit',
      message: 'example.limit must be positive',
    });
  });

  it('is the class of HttpKitConfigError, with HTTP_INVALID_OPTION', () => {
    const err = new HttpKitConfigError('http.bodyLimit', 'must be positive');
    expect(err).toBeInstanceOf(KitConfigError);
    expect(err).toBeInstanceOf(HttpKitError);
    expect(err).toMatchObject({
      name: 'HttpKitConfigError',
      code: 'HTTP_INVALID_OPTION',
      option: 'http.bodyLimit',
      message: 'http.bodyLimit must be positive',
    });
  });
});
