import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/** Metadata key read by guards: the route needs no credentials. */
export const IS_PUBLIC_KEY = 'kit:http:public';
/** OpenAPI extension marking public operations; replaced by `security: []` in the document. */
export const PUBLIC_EXTENSION = 'x-kit-public';

/**
 * Marks a route (or every route of a controller) as public: the auth guard lets it through
 * and the OpenAPI document gives it `security: []`.
 */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));
}
