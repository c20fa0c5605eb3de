import { KitConfigError } from '@kit/http';

/** A bad environment variable (`CONFIG_INVALID`); the message names it and says what is expected. */
export class ConfigError extends KitConfigError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super('CONFIG_INVALID', variable, problem);
  }
}
