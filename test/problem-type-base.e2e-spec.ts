import { type HttpKitModuleOptions } from '@kit/http';
import { HTTP_KIT_MODULE_OPTIONS } from '@kit/http/internal';
import { WsTestClient, Closer, expectedProblemType, expectProblem } from '@kit/testing';
import { expectUpgradeRejected, uniqueRoom } from './support/ws-expect';
import {
  bootRealtimeService,
  type RealtimeTestService,
  WS_ALLOWED_ORIGIN,
} from './support/ws-service';

// An app with its own problemTypeBase: every problem `type` it sends or documents starts with
// it, the HTTP problems, the refusals of WebSocket upgrades and the OpenAPI examples alike.

const BASE = 'https://errors.example.com/problems/';

describe('problem type base', () => {
  let s: RealtimeTestService;
  const closer = new Closer();

  beforeAll(async () => {
    const options: HttpKitModuleOptions & { isGlobal: boolean } = {
      isGlobal: true,
      cors: { origins: [WS_ALLOWED_ORIGIN], credentials: true },
      problemTypeBase: BASE,
    };
    s = await closer.adopt(
      bootRealtimeService({
        label: 'type-base',
        override: (builder) => builder.overrideProvider(HTTP_KIT_MODULE_OPTIONS).useValue(options),
      }),
    );
  });
  afterAll(() => closer.closeAll());

  it('starts the type of an HTTP problem', async () => {
    await expectProblem(await fetch(`${s.url}/no-such-route`), 404, 'NOT_FOUND', {
      type: expectedProblemType('NOT_FOUND', BASE),
    });
  });

  it('starts the type of a refused WebSocket upgrade', async () => {
    await expectUpgradeRejected(
      WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`),
      401,
      'AUTH_TOKEN_MISSING',
      BASE,
    );
  });

  it('starts every problem type the OpenAPI document shows', async () => {
    const res = await fetch(`${s.url}/openapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('urn:problem:');
    expect(text).toContain(`"${BASE}not-found"`); // the problem schema's example
    expect(text).toContain(`"${BASE}auth-token-invalid"`); // @ApiProblem on guarded routes
    expect(text).toContain(`"${BASE}invalid-grant"`); // the token endpoint's examples
  });
});
