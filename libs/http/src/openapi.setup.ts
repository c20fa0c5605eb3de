import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RESOLVED_HTTP_OPTIONS } from './http.internal-constants';
import type { ResolvedHttpKitOptions } from './http-options.interface';
import { OpenApiRegistry } from './openapi.registry';
import { DEFAULT_PROBLEM_TYPE_BASE } from './problem';
import { ProblemDetailsDto, ValidationProblemDetailsDto } from './problem.dto';
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
 * prefix; an app with its own `problemTypeBase` documents the URIs it really sends. Any example
 * `type` that starts with the default prefix is rebased.
 */
function rebaseProblemTypes(node: unknown, base: string): void {
  if (Array.isArray(node)) {
    for (const item of node) rebaseProblemTypes(item, base);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  // A response example (`{ type, title, … }`), named examples (`examples.<name>.value`), a
  // schema's examples (3.1 `examples: […]`) and a schema's `type` property example.
  rebaseMember(record.example, 'type', base);
  const examples = record.examples;
  if (Array.isArray(examples)) {
    for (const example of examples) rebaseMember(example, 'type', base);
  } else if (examples !== null && typeof examples === 'object') {
    for (const named of Object.values(examples)) {
      if (named !== null && typeof named === 'object') {
        rebaseMember((named as Record<string, unknown>).value, 'type', base);
      }
    }
  }
  const properties = record.properties;
  if (properties !== null && typeof properties === 'object') {
    rebaseMember((properties as Record<string, unknown>).type, 'example', base);
  }
  for (const value of Object.values(record)) rebaseProblemTypes(value, base);
}

function rebaseMember(holder: unknown, key: string, base: string): void {
  if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) return;
  const record = holder as Record<string, unknown>;
  const value = record[key];
  if (typeof value === 'string' && value.startsWith(DEFAULT_PROBLEM_TYPE_BASE)) {
    record[key] = base + value.slice(DEFAULT_PROBLEM_TYPE_BASE.length);
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
