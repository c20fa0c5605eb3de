import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '@kit/http';
import { OpenApiRegistry, PUBLIC_EXTENSION } from '@kit/http/internal';
import { API_KEY_SCHEME, BEARER_SCHEME } from './auth.constants';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Registers the security schemes derived from the guard: bearer tokens from the OAuth2
 * password flow at `/auth/token` (the default requirement) and `X-API-Key`; protected
 * operations that do not document their 401 get one. Public operations still carry the
 * `@Public()` extension here (it becomes `security: []` after the transforms), so both are
 * recognised.
 */
export function registerAuthOpenApi(registry: OpenApiRegistry, tokenUrl: string): void {
  registry.addSecurityScheme(
    BEARER_SCHEME,
    { type: 'oauth2', flows: { password: { tokenUrl, scopes: {} } } },
    true,
  );
  registry.addSecurityScheme(API_KEY_SCHEME, { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  registry.addTransform(documentUnauthorized);
}

function documentUnauthorized(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method];
      if (!operation || isPublic(operation)) continue;
      operation.responses['401'] ??= {
        description: 'Missing, invalid or expired credentials',
        content: {
          [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetailsDto' } },
        },
      };
    }
  }
}

function isPublic(operation: { security?: unknown }): boolean {
  if (PUBLIC_EXTENSION in operation) return true;
  return Array.isArray(operation.security) && operation.security.length === 0;
}
