import { DomainError } from '@kit/http';

/** RFC 6749 §5.2 error codes of the token endpoint. */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'too_many_requests';

/**
 * A token-endpoint error: the body carries RFC 6749's `error` and `error_description` as well
 * as the problem members, with `Cache-Control: no-store`.
 */
export class OAuthError extends DomainError {
  constructor(
    status: 400 | 429,
    error: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(error, status, status === 429 ? 'Too Many Requests' : 'Bad Request', {
      detail: description,
      extensions: { error_description: description },
      headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
      contentType: 'application/json',
    });
  }
}
