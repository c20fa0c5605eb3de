import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

type SecuritySchemeObject = NonNullable<
  NonNullable<OpenAPIObject['components']>['securitySchemes']
>[string];

/** A transform applied to the built document, in registration order. */
export type OpenApiTransform = (document: OpenAPIObject) => void;

/**
 * Where other libs contribute to the OpenAPI document before it is built: the auth lib
 * registers its security schemes here at init.
 */
@Injectable()
export class OpenApiRegistry {
  private readonly schemes = new Map<string, { scheme: SecuritySchemeObject; global: boolean }>();
  private readonly transforms: OpenApiTransform[] = [];

  /** Adds a security scheme; `global` makes it the document's default requirement. */
  addSecurityScheme(name: string, scheme: SecuritySchemeObject, global = false): void {
    this.schemes.set(name, { scheme, global });
  }

  /** Adds a transform run on the built document. */
  addTransform(transform: OpenApiTransform): void {
    this.transforms.push(transform);
  }

  /** Applies the registered schemes and transforms to a document. */
  apply(document: OpenAPIObject): OpenAPIObject {
    if (this.schemes.size > 0) {
      document.components ??= {};
      document.components.securitySchemes ??= {};
      const global: Record<string, string[]>[] = [];
      for (const [name, { scheme, global: isGlobal }] of this.schemes) {
        document.components.securitySchemes[name] = scheme;
        if (isGlobal) global.push({ [name]: [] });
      }
      if (global.length > 0) document.security = global;
    }
    for (const transform of this.transforms) transform(document);
    return document;
  }
}
