import { Closer, databaseVariants } from '@kit/testing';
import { bootService, type Service } from './support/auth-service';

// The OpenAPI document the auth guard shapes: security schemes, `security: []` on public
// routes, the API-key requirement on ingest, and the 401/403 responses of protected routes.

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
type Document = {
  openapi: string;
  security?: Record<string, string[]>[];
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
};

const PROBLEM = 'application/problem+json';

describe.each(databaseVariants())('OpenAPI security on $name', (variant) => {
  let s: Service;
  let doc: Document;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'openapi_auth'));
    const res = await fetch(`${s.url}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    doc = (await res.json()) as Document;
  });
  afterAll(() => closer.closeAll());

  const op = (path: string, method: string): Operation => {
    const operation = doc.paths[path]?.[method];
    if (!operation) throw new Error(`no ${method.toUpperCase()} ${path} in the document`);
    return operation;
  };

  it('is OpenAPI 3.1 and needs no credentials itself', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('declares the OAuth2 password flow at /auth/token and the X-API-Key apiKey scheme', () => {
    expect(doc.components.securitySchemes).toEqual({
      oauth2: { type: 'oauth2', flows: { password: { tokenUrl: '/auth/token', scopes: {} } } },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(doc.security).toEqual([{ oauth2: [] }]);
  });

  it.each([
    ['/users', 'post'],
    ['/auth/token', 'post'],
    ['/health/live', 'get'],
    ['/health/ready', 'get'],
  ])('public %s %s has security: [] and documents no 401', (path, method) => {
    const operation = op(path, method);
    expect(operation.security).toEqual([]);
    expect(operation.responses['401']).toBeUndefined();
    expect(operation.responses['403']).toBeUndefined();
  });

  it('every operation that is not public inherits bearer or names its scheme', () => {
    const publicOps = new Set([
      'post /users',
      'post /auth/token',
      'get /health/live',
      'get /health/ready',
    ]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (publicOps.has(`${method} ${path}`)) continue;
        expect({ path, method, security: operation.security }).not.toEqual({
          path,
          method,
          security: [],
        });
      }
    }
  });

  it('/ingest/events requires the apiKey scheme and documents 401 and 403', () => {
    const operation = op('/ingest/events', 'post');
    expect(operation.security).toEqual([{ apiKey: [] }]);
    expect(operation.responses['202']).toBeDefined();
    for (const status of ['401', '403'])
      expect(Object.keys(operation.responses[status]?.content ?? {})).toEqual([PROBLEM]);
  });

  it.each([
    ['/admin/users/{id}', 'patch'],
    ['/admin/users/{id}', 'delete'],
    ['/admin/api-keys', 'post'],
    ['/admin/api-keys', 'get'],
    ['/admin/api-keys/{id}', 'delete'],
  ])('admin %s %s inherits bearer and documents 401 and 403 as problems', (path, method) => {
    const operation = op(path, method);
    expect(operation.security).toBeUndefined();
    for (const status of ['401', '403']) {
      expect(operation.responses[status]).toBeDefined();
      expect(Object.keys(operation.responses[status]?.content ?? {})).toEqual([PROBLEM]);
    }
  });

  it.each([
    ['/users/me', 'get'],
    ['/users/{id}', 'get'],
    ['/auth/whoami', 'get'],
  ])('bearer route %s %s documents 401 but no 403', (path, method) => {
    const operation = op(path, method);
    expect(operation.security).toBeUndefined();
    expect(Object.keys(operation.responses['401']?.content ?? {})).toEqual([PROBLEM]);
    expect(operation.responses['403']).toBeUndefined();
  });

  it('the token endpoint is documented as form-encoded with its 400, 429 and 503', () => {
    const operation = op('/auth/token', 'post') as Operation & {
      requestBody: { content: Record<string, unknown> };
    };
    expect(Object.keys(operation.requestBody.content)).toEqual([
      'application/x-www-form-urlencoded',
    ]);
    expect(operation.responses['200']).toBeDefined();
    // RFC 6749 errors are application/json, as the endpoint sends them.
    for (const status of ['400', '429', '503'])
      expect(Object.keys(operation.responses[status]?.content ?? {})).toEqual(['application/json']);
    for (const status of ['429', '503'])
      expect(operation.responses[status]).toMatchObject({
        headers: { 'Retry-After': { schema: { type: 'integer' } } },
      });
  });
});
