import { Body, Controller, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { DEFAULT_PROBLEM_TYPE_BASE, Public } from '@kit/http';
import { problemTypeOf } from '@kit/http/internal';
import type { FastifyRequest } from 'fastify';
import { InjectLoginThrottleStore, PASSWORD_HASHER, USER_RESOLVER } from '../auth.constants';
import type {
  AuthUser,
  LoginThrottleStore,
  PasswordHasher,
  UserResolver,
} from '../auth.interfaces';
import { OAuthError } from './oauth.error';
import { PasswordVerificationLimiter } from '../login/password-verification.limiter';
import { RefreshTokenError, TokenService, type TokenResponse } from './token.service';

const MAX_FIELD = 1_024;

/** Example bodies of the token endpoint's errors in the OpenAPI document. */
const EXAMPLES = {
  400: { title: 'Bad Request', detail: 'The username or password is wrong.' },
  429: { title: 'Too Many Requests', detail: 'Too many failed attempts; retry in 900 s.' },
  503: {
    title: 'Service Unavailable',
    detail: 'Too many logins are being checked right now; retry in 1 s.',
  },
};

/** `POST /auth/token`: the RFC 6749 password and refresh_token grants, form-encoded. */
@ApiTags('auth')
@Public()
@Controller('auth')
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    @InjectLoginThrottleStore() private readonly throttle: LoginThrottleStore,
    @Inject(USER_RESOLVER) private readonly users: UserResolver,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    private readonly limiter: PasswordVerificationLimiter,
  ) {}

  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  @ApiOperation({ summary: 'OAuth2 token endpoint (password and refresh_token grants)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['grant_type'],
      properties: {
        grant_type: { type: 'string', enum: ['password', 'refresh_token'] },
        username: { type: 'string' },
        password: { type: 'string', format: 'password' },
        refresh_token: { type: 'string' },
      },
    },
  })
  @ApiOkResponse({
    schema: {
      example: {
        access_token: 'eyJ…',
        token_type: 'bearer',
        expires_in: 900,
        refresh_token: 'rt_…',
      },
    },
  })
  @ApiResponse({
    status: 400,
    description: 'RFC 6749 §5.2 error (invalid_request, invalid_grant, unsupported_grant_type)',
    content: { 'application/json': oauthErrorContent(400, 'invalid_grant') },
  })
  @ApiResponse({
    status: 429,
    description: 'Too many failed attempts; see Retry-After',
    headers: {
      'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } },
    },
    content: { 'application/json': oauthErrorContent(429, 'too_many_requests') },
  })
  @ApiResponse({
    status: 503,
    description:
      'Every password-verification slot is busy and its queue full (or waited on too long); no password was checked. See Retry-After',
    headers: {
      'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } },
    },
    content: { 'application/json': oauthErrorContent(503, 'temporarily_unavailable') },
  })
  async token(@Req() request: FastifyRequest, @Body() body: unknown): Promise<TokenResponse> {
    if (
      !String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      throw new OAuthError(
        400,
        'invalid_request',
        'The token request must be application/x-www-form-urlencoded.',
      );
    }
    const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const grantType = field(form, 'grant_type');
    if (grantType === 'password') return this.passwordGrant(form, request.ip);
    if (grantType === 'refresh_token') return this.refreshGrant(form);
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      'grant_type must be "password" or "refresh_token".',
    );
  }

  private async passwordGrant(
    form: Record<string, unknown>,
    address: string,
  ): Promise<TokenResponse> {
    const username = field(form, 'username');
    const password = field(form, 'password');
    // Busy: answered before the throttle store and the user lookup are asked anything.
    this.limiter.assertRoom();
    const attempt = await this.throttle.reserve(username, address);
    if (!attempt.admitted) {
      const wait = attempt.retryAfter;
      throw new OAuthError(
        429,
        'too_many_requests',
        `Too many failed attempts; retry in ${wait} s.`,
        { 'retry-after': String(wait) },
      );
    }
    let user: AuthUser | null;
    try {
      user = await this.authenticate(username, password);
    } catch (err) {
      // Busy, or the user store failed: the password was not judged, so it is no failure.
      await this.throttle.cancel(username, address, attempt.id);
      throw err;
    }
    // A failure stays counted: the attempt was counted when it was admitted.
    if (!user) throw new OAuthError(400, 'invalid_grant', 'The username or password is wrong.');
    await this.throttle.recordSuccess(username, address, attempt.id);
    return this.tokens.issue(user);
  }

  /** The active user with this password, or null; the scrypt check waits for a slot. */
  private async authenticate(username: string, password: string): Promise<AuthUser | null> {
    const found = await this.users.findByUsername(username);
    const valid = await this.limiter.run(() =>
      found
        ? this.hasher.verify(password, found.passwordHash)
        : this.hasher.dummyVerify(password).then(() => false),
    );
    return found && valid && found.user.active ? found.user : null;
  }

  private async refreshGrant(form: Record<string, unknown>): Promise<TokenResponse> {
    const refreshToken = field(form, 'refresh_token');
    try {
      return await this.tokens.refresh(refreshToken, (id) => this.users.findById(id));
    } catch (err) {
      if (err instanceof RefreshTokenError)
        throw new OAuthError(
          400,
          'invalid_grant',
          'The refresh token is invalid, expired or revoked.',
        );
      throw err;
    }
  }
}

/**
 * The token endpoint's errors are RFC 6749 §5.2 JSON (`application/json`, as OAuth clients
 * expect) that also carry the problem members.
 */
function oauthErrorContent(status: 400 | 429 | 503, error: string) {
  const { title, detail } = EXAMPLES[status];
  return {
    schema: {
      type: 'object' as const,
      required: ['error', 'error_description', 'type', 'title', 'status', 'detail', 'request_id'],
      properties: {
        error: {
          type: 'string' as const,
          enum: [
            'invalid_request',
            'invalid_grant',
            'unsupported_grant_type',
            'too_many_requests',
            'temporarily_unavailable',
          ],
        },
        error_description: { type: 'string' as const },
        type: { type: 'string' as const },
        title: { type: 'string' as const },
        status: { type: 'integer' as const },
        detail: { type: 'string' as const },
        request_id: { type: 'string' as const },
      },
    },
    example: {
      error,
      error_description: detail,
      type: problemTypeOf(DEFAULT_PROBLEM_TYPE_BASE, error),
      title,
      status,
      detail,
      request_id: '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f',
    },
  };
}

/** One form field, present once, non-empty and of bounded size; else `invalid_request`. */
function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new OAuthError(
      400,
      'invalid_request',
      Array.isArray(value) ? `"${name}" must be sent once.` : `"${name}" is required.`,
    );
  }
  if (value.length > MAX_FIELD)
    throw new OAuthError(400, 'invalid_request', `"${name}" is too long.`);
  return value;
}
