import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, RequestContext, requestOf } from '@kit/http';
import type { FastifyRequest } from 'fastify';
import { AccessTokenVerifier } from './access-token.verifier';
import { ApiKeyService } from './api-key.service';
import {
  API_KEY_SCOPES_KEY,
  AUTH_PRINCIPAL,
  CLAIMS_ONLY_KEY,
  ROLES_KEY,
  USER_RESOLVER,
} from './auth.constants';
import {
  InsufficientRoleError,
  InvalidApiKeyError,
  InvalidTokenError,
  MissingApiKeyError,
  MissingTokenError,
  TokenVerificationError,
} from './auth.errors';
import type { AccessTokenClaims, AuthUser, UserResolver } from './auth.interfaces';
import { AUTH_PRINCIPAL_OVERRIDE } from './auth.internal-constants';
import { findActiveUser } from './active-user';
import { parseBearerAuthorization } from './bearer-token';
import { PrincipalCache } from './principal.cache';

interface RoutePolicy {
  readonly isPublic: boolean;
  readonly apiKeyScopes: readonly string[] | undefined;
  readonly claimsOnly: boolean;
  readonly roles: readonly string[] | undefined;
}

/**
 * The one global guard: every route needs a valid bearer token unless it is `@Public()` or
 * `@ApiKeyAuth()`. Extend it and override the protected hooks to change how credentials are
 * read or users resolved.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('AuthGuard');
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly verifier: AccessTokenVerifier,
    protected readonly apiKeys: ApiKeyService,
    @Inject(USER_RESOLVER) protected readonly users: UserResolver,
    protected readonly principals: PrincipalCache,
    @Optional() @Inject(AUTH_PRINCIPAL_OVERRIDE) private readonly override?: AuthUser | null,
  ) {}

  /** Synchronous when nothing needs I/O (public route, cached token and user): no extra ticks. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType();
    if (type !== 'http' && type !== 'ws') return true;
    const policy = this.policyOf(context.getHandler(), context.getClass());
    if (policy.isPublic) return true;
    if (type === 'ws') return canHandleEvent(policy);
    const request = requestOf(context);
    if (policy.apiKeyScopes) return this.authenticateApiKey(request, policy.apiKeyScopes);
    const user = this.authenticateBearer(request, policy.claimsOnly);
    return user instanceof Promise
      ? user.then((u) => checkRoles(u, policy.roles))
      : checkRoles(user, policy.roles);
  }

  /** A route's metadata, read once per handler and class, then from the cache. */
  private policyOf(handler: object, controller: object): RoutePolicy {
    let byClass = this.policies.get(handler);
    if (!byClass) {
      byClass = new WeakMap();
      this.policies.set(handler, byClass);
    }
    let policy = byClass.get(controller);
    if (!policy) {
      const targets = [handler, controller] as [() => void, new () => unknown];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) ?? false,
        apiKeyScopes: this.reflector.getAllAndOverride<string[] | undefined>(
          API_KEY_SCOPES_KEY,
          targets,
        ),
        claimsOnly: this.reflector.getAllAndOverride<boolean>(CLAIMS_ONLY_KEY, targets) ?? false,
        roles: this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets),
      };
      byClass.set(controller, policy);
    }
    return policy;
  }

  /**
   * The bearer token of the request, or undefined when it presents none (no Authorization
   * header, or another scheme: RFC 6750 §3.1). A malformed Bearer header is refused.
   */
  protected extractToken(request: FastifyRequest): string | undefined {
    const token = parseBearerAuthorization(request.headers.authorization);
    if (token === null) throw new InvalidTokenError();
    return token;
  }

  /**
   * Loads the principal for verified claims; null refuses the request (401). Its result is
   * cached for `userCacheTtlMs` (see `PrincipalCache`).
   */
  protected async resolveUser(claims: AccessTokenClaims): Promise<AuthUser | null> {
    return findActiveUser(this.users, claims.sub);
  }

  private authenticateBearer(
    request: FastifyRequest,
    claimsOnly: boolean,
  ): AuthUser | Promise<AuthUser> {
    if (this.override) return this.remember(request, this.override, undefined);
    const token = this.extractToken(request);
    if (token === undefined) throw new MissingTokenError();
    const claims = this.verifier.cached(token);
    if (claims) return this.principalFor(request, claims, claimsOnly);
    return this.verifier.verify(token).then(
      (verified) => this.principalFor(request, verified, claimsOnly),
      (err: unknown) => {
        if (!(err instanceof TokenVerificationError)) throw err;
        this.logger.debug(`bearer token refused: ${err.reason}`);
        throw new InvalidTokenError();
      },
    );
  }

  /** The user for verified claims: from the claims, the user cache, or `resolveUser()`. */
  private principalFor(
    request: FastifyRequest,
    claims: AccessTokenClaims,
    claimsOnly: boolean,
  ): AuthUser | Promise<AuthUser> {
    if (claimsOnly)
      return this.remember(request, { id: claims.sub, roles: claims.roles, active: true }, claims);
    const cached = this.principals.get(claims.sub);
    if (cached !== undefined) return this.accept(request, cached, claims);
    return this.resolveUser(claims).then((user) => {
      this.principals.set(claims.sub, user);
      return this.accept(request, user, claims);
    });
  }

  private accept(
    request: FastifyRequest,
    user: AuthUser | null,
    claims: AccessTokenClaims,
  ): AuthUser {
    if (!user) {
      this.logger.debug('bearer token refused: AUTH_USER_INACTIVE');
      throw new InvalidTokenError();
    }
    return this.remember(request, user, claims);
  }

  private async authenticateApiKey(
    request: FastifyRequest,
    scopes: readonly string[],
  ): Promise<boolean> {
    const presented = request.headers['x-api-key'];
    if (presented === undefined) throw new MissingApiKeyError();
    // Any length: the key pattern is anchored, so an oversized value fails at once.
    if (typeof presented !== 'string') throw new InvalidApiKeyError();
    const record = await this.apiKeys.verify(presented);
    if (!record || !scopes.every((s) => record.scopes.includes(s))) throw new InvalidApiKeyError();
    request.apiKey = record;
    return true;
  }

  private remember(
    request: FastifyRequest,
    user: AuthUser,
    claims: AccessTokenClaims | undefined,
  ): AuthUser {
    request.user = user;
    request.claims = claims;
    RequestContext.current()?.values.set(AUTH_PRINCIPAL, user);
    return user;
  }
}

/**
 * A WebSocket event (`@SubscribeMessage()` handler): the socket was authenticated at the upgrade
 * and the kit puts its user in each message's context; an event needing an API key or a role the
 * user lacks is refused (false: Nest's guard denial, answered as `FORBIDDEN`).
 */
function canHandleEvent(policy: RoutePolicy): boolean {
  const user = RequestContext.current()?.values.get(AUTH_PRINCIPAL) as AuthUser | undefined;
  if (!user) throw new MissingTokenError();
  if (policy.apiKeyScopes) return false;
  const roles = policy.roles;
  return !roles || roles.length === 0 || roles.some((r) => user.roles.includes(r));
}

function checkRoles(user: AuthUser, roles: readonly string[] | undefined): true {
  if (roles && roles.length > 0 && !roles.some((r) => user.roles.includes(r))) {
    throw new InsufficientRoleError(roles);
  }
  return true;
}
