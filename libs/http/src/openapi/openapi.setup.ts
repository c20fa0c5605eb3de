import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RESOLVED_HTTP_OPTIONS } from '../http.internal-constants';
import type { ResolvedHttpKitOptions } from '../options/http-options.interface';
import { OpenApiRegistry } from './openapi.registry';
import { DEFAULT_PROBLEM_TYPE_BASE } from '../problem/problem';
import { ProblemDetailsDto, ValidationProblemDetailsDto } from '../problem/problem.dto';
import { PUBLIC_EXTENSION } from './public.decorator';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Builds the OpenAPI 3.1 document of an initialized app. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const resolved = app.get<ResolvedHttpKitOptions>(RESOLVED_HTTP_OPTIONS);
  const options = resolved.openapi;
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(options.title)
    .setVersion(options.version)
    .setDescription(options.description)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetailsDto, ValidationProblemDetailsDto],
  });
  app.get(OpenApiRegistry).apply(document);
  markPublicOperations(document);
  if (resolved.problemTypeBase !== DEFAULT_PROBLEM_TYPE_BASE) {
    rebaseProblemTypes(document, resolved.problemTypeBase);
  }
  return document;
}

/** Serves the document and Swagger UI at the configured paths (no-op when disabled). */
export function setupOpenApi(app: INestApplication): void {
  const options = app.get<ResolvedHttpKitOptions>(RESOLVED_HTTP_OPTIONS).openapi;
  if (!options.enabled) return;
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(options.docsPath.slice(1), app, document, {
    jsonDocumentUrl: options.jsonPath.slice(1),
    raw: ['json'],
  });
}

/**
 * Problem examples are written by decorators, before any app exists, with the default `type`
 * prefix; an app with its own `problemTypeBase` documents the URIs it really sends. Every `type`
 * or `example` string that starts with the default prefix is rebased, wherever it sits (a
 * response example, named examples, a schema's examples, a property's example).
 */
function rebaseProblemTypes(node: unknown, base: string): void {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (
      (key === 'type' || key === 'example') &&
      typeof value === 'string' &&
      value.startsWith(DEFAULT_PROBLEM_TYPE_BASE)
    ) {
      record[key] = base + value.slice(DEFAULT_PROBLEM_TYPE_BASE.length);
    } else {
      rebaseProblemTypes(value, base);
    }
  }
}

function markPublicOperations(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method] as
        (Record<string, unknown> & { security?: unknown }) | undefined;
      if (!operation || !(PUBLIC_EXTENSION in operation)) continue;
      delete operation[PUBLIC_EXTENSION];
      operation.security = [];
    }
  }
}
