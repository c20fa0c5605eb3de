import { Test, type TestingModule } from '@nestjs/testing';
import { DatabaseResource } from './database/database.resource';
import { KYSELY } from './lifespan.constants';
import { LifespanError } from './lifespan.errors';
import { RESOLVED_LIFESPAN_OPTIONS } from './lifespan.internal-constants';
import type {
  LifespanModuleOptions,
  ResolvedLifespanOptions,
} from './options/lifespan-options.interface';
import { LifespanModule } from './lifespan.module';

const OPTIONS: LifespanModuleOptions = {
  database: { url: 'postgres://app:s3cret@db.internal/app', poolSize: 3 },
  health: { checkTimeoutMs: 750 },
};

describe('LifespanModule', () => {
  const modules: TestingModule[] = [];
  afterEach(async () => {
    // Nothing is opened: compile() instantiates providers but runs no onModuleInit.
    await Promise.all(modules.splice(0).map((m) => m.close()));
  });

  async function resolved(imported: ReturnType<typeof LifespanModule.forRoot>) {
    const moduleRef = await Test.createTestingModule({ imports: [imported] }).compile();
    modules.push(moduleRef);
    return moduleRef.get<ResolvedLifespanOptions>(RESOLVED_LIFESPAN_OPTIONS);
  }

  it('forRoot and forRootAsync resolve to the same options', async () => {
    const fromSync = await resolved(LifespanModule.forRoot(OPTIONS));
    const fromAsync = await resolved(
      LifespanModule.forRootAsync({ useFactory: () => Promise.resolve(OPTIONS) }),
    );
    expect(fromAsync).toEqual(fromSync);
    expect(fromSync).toEqual({
      database: expect.objectContaining({
        dialect: 'postgres',
        target: 'postgres://app:****@db.internal/app',
        poolSize: 3,
      }),
      health: { checkTimeoutMs: 750 },
      redis: undefined,
      httpClients: [],
    });
  });

  it('is global unless isGlobal is false, and isGlobal stays out of the options', async () => {
    expect(LifespanModule.forRoot(OPTIONS).global).toBe(true);
    const local = LifespanModule.forRoot({ ...OPTIONS, isGlobal: false });
    expect(local.global).toBe(false);
    expect(await resolved(local)).toEqual(await resolved(LifespanModule.forRoot(OPTIONS)));
  });

  it('rejects bad options at compile time, from forRootAsync too', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        LifespanModule.forRootAsync({ useFactory: () => ({ health: { checkTimeoutMs: -5 } }) }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(
      'lifespan.health.checkTimeoutMs must be a whole number from 1 to 9007199254740991; got -5',
    );
  });

  describe('without a database', () => {
    it('provides no DatabaseResource and a Kysely that says how to configure one', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [LifespanModule.forRoot({})],
      }).compile();
      modules.push(moduleRef);
      expect(moduleRef.get(DatabaseResource, { strict: false })).toBeUndefined();
      const kysely = moduleRef.get<{ selectFrom: unknown }>(KYSELY);
      let thrown: unknown;
      try {
        void kysely.selectFrom;
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(LifespanError);
      expect(thrown).toMatchObject({
        code: 'DATABASE_NOT_CONFIGURED',
        message: 'no database configured; pass lifespan.database to LifespanModule.forRoot()',
      });
    });
  });
});
