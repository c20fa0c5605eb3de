import { Test } from '@nestjs/testing';
import { HttpKitConfigError } from './http.errors';
import { RESOLVED_HTTP_OPTIONS } from './http.internal-constants';
import { HttpKitModule } from './http.module';
import type {
  HttpKitModuleOptions,
  ResolvedHttpKitOptions,
} from './options/http-options.interface';

const OPTIONS: HttpKitModuleOptions = {
  cors: {
    origins: ['https://app.example.com', 'http://localhost:5173'],
    credentials: true,
    maxAge: 120,
  },
  openapi: { title: 'Spec API', version: '2.0.0', docsPath: '/api-docs' },
  problemTypeBase: 'https://errors.example.com/',
};

async function resolvedWith(module: ReturnType<typeof HttpKitModule.forRoot>) {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const resolved = ref.get<ResolvedHttpKitOptions>(RESOLVED_HTTP_OPTIONS);
  await ref.close();
  return resolved;
}

describe('HttpKitModule', () => {
  it('resolves the same options from forRoot and forRootAsync', async () => {
    const sync = await resolvedWith(HttpKitModule.forRoot(OPTIONS));
    const async = await resolvedWith(
      HttpKitModule.forRootAsync({ useFactory: () => Promise.resolve(OPTIONS) }),
    );
    expect(async).toEqual(sync);
    expect(sync.cors?.origins).toEqual(
      new Set(['https://app.example.com', 'http://localhost:5173']),
    );
    expect(sync.openapi.docsPath).toBe('/api-docs');
    expect(sync.problemTypeBase).toBe('https://errors.example.com/');
  });

  it('resolves the same defaults from forRoot({}) and forRootAsync', async () => {
    const sync = await resolvedWith(HttpKitModule.forRoot({}));
    const async = await resolvedWith(HttpKitModule.forRootAsync({ useFactory: () => ({}) }));
    expect(async).toEqual(sync);
    expect(sync.cors).toBeUndefined();
  });

  it('is global unless isGlobal is false', () => {
    expect(HttpKitModule.forRoot({}).global).toBe(true);
    expect(HttpKitModule.forRoot({ isGlobal: false }).global).toBe(false);
  });

  it.each([
    ['forRoot', () => HttpKitModule.forRoot({ cors: { origins: ['*'], credentials: true } })],
    [
      'forRootAsync',
      () =>
        HttpKitModule.forRootAsync({
          useFactory: () => ({ cors: { origins: ['*'], credentials: true } }),
        }),
    ],
  ])('fails to compile with bad options through %s', async (_name, make) => {
    const compile = Test.createTestingModule({ imports: [make()] }).compile();
    await expect(compile).rejects.toThrow(HttpKitConfigError);
    await expect(Test.createTestingModule({ imports: [make()] }).compile()).rejects.toMatchObject({
      code: 'HTTP_INVALID_OPTION',
      option: 'http.cors.origins',
    });
  });

  it('refuses to start without the Fastify app of createHttpApp()', async () => {
    const ref = await Test.createTestingModule({ imports: [HttpKitModule.forRoot({})] }).compile();
    await expect(ref.init()).rejects.toMatchObject({
      code: 'HTTP_INVALID_OPTION',
      option: 'HttpKitModule',
    });
    await ref.close();
  });
});
