import { KitConfigError, KitError } from './errors/kit.error';

/** @deprecated Use `KitError`, the base of every kit error; this is the same class. */
export const HttpKitError = KitError;
/** @deprecated Use `KitError`. */
export type HttpKitError = KitError;

/** A bad `@kit/http` option, raised at boot (`HTTP_INVALID_OPTION`). */
export class HttpKitConfigError extends KitConfigError {
  constructor(option: string, problem: string) {
    super('HTTP_INVALID_OPTION', option, problem);
  }
}
