import { DomainError } from '@kit/http';

/**
 * Error codes of the token endpoint: RFC 6749 §5.2's, `too_many_requests` for throttled logins
 * and §4.1.2.1's `temporarily_unavailable` for a server too busy to check a password.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'too_many_requests'
  | 'temporarily_unavailable';

const TITLES = { 400: 'Bad Request', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/**
 * A token-endpoint error: the body carries RFC 6749's `error` and `error_description` as well
 * as the problem members, with `Cache-Control: no-store`.
 */
export class OAuthError extends DomainError {
  constructor(
    status: 400 | 429 | 503,
    error: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
    logged = true,
  ) {
    super(error, status, TITLES[status], {
      detail: description,
      extensions: { error_description: description },
      headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
      contentType: 'application/json',
      logged,
    });
  }
}

/**
 * 503 `temporarily_unavailable` with `Retry-After`: every password-verification slot is taken
 * and the queue for one is full, or a login waited in it too long. No password was checked.
 * Not logged one by one (an attacker sets their number): `PasswordVerificationLimiter` reports
 * them.
 */
export class LoginBusyError extends OAuthError {
  constructor(readonly retryAfterSec: number) {
    super(
      503,
      'temporarily_unavailable',
      `Too many logins are being checked right now; retry in ${retryAfterSec} s.`,
      { 'retry-after': String(retryAfterSec) },
      false,
    );
  }
}
