// @kit/auth/internal: what the other kit libs (and the kit's own tests) need from @kit/auth and
// services do not. Not documented, no compatibility promise; a service imports `@kit/auth` only
// (`npm run lint` checks it: scripts/check-lib-deps.js).
export { AUTH_MODULE_OPTIONS } from './auth.module-definition';
export { resolveAuthOptions } from './options/auth-options.factory';
export type { ResolvedAuthOptions } from './options/auth-options.interface';
export { ROLES_KEY, API_KEY_SCOPES_KEY, CLAIMS_ONLY_KEY } from './auth.constants';
export {
  PasswordVerificationLimiter,
  type VerificationLimits,
} from './login/password-verification.limiter';
