import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RESOLVED_HTTP_OPTIONS } from './http.internal-constants';
import type { ResolvedHttpKitOptions } from './http-options.interface';
import { OpenApiRegistry } from './openapi.registry';
import { ProblemDetailsDto, ValidationProblemDetailsDto } from './problem.dto';
import { PUBLIC_EXTENSION } from './public.decorator';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Builds the OpenAPI 3.1 document of an initialized app. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const options = app.get<ResolvedHttpKitOptions>(RESOLVED_HTTP_OPTIONS).openapi;
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
