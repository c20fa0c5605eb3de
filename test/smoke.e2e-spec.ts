import { createTestApp, type TestApp, Closer } from '@kit/testing';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';

describe('smoke', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(
      createTestApp(AppModule.forRoot(loadConfig({ DATABASE_URL: 'sqlite::memory:' }))),
    );
  });
  afterAll(() => closer.closeAll());

  it('answers liveness', async () => {
    const res = await fetch(`${t.url}/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
