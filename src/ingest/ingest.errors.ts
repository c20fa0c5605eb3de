import { DomainError } from '@kit/http';

/** Pattern of an `Idempotency-Key` header value. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** An `Idempotency-Key` that is not 1 to 128 letters, digits, `.`, `_`, `:` or `-`. */
export class IdempotencyKeyInvalidError extends DomainError {
  constructor() {
    super('IDEMPOTENCY_KEY_INVALID', 400, 'Bad Request', {
      detail:
        'The Idempotency-Key header must be 1 to 128 letters, digits, ".", "_", ":" or "-", sent once.',
    });
  }
}

/** An `Idempotency-Key` already used by this API key for a different batch. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('IDEMPOTENCY_KEY_REUSED', 422, 'Unprocessable Entity', {
      detail:
        'This Idempotency-Key was already used with a different batch; use a new key for new events.',
    });
  }
}
