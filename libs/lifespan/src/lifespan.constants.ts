import { Inject } from '@nestjs/common';

/** Injection token of the Kysely instance of the database resource. */
export const KYSELY = 'LIFESPAN:KYSELY';

/** Injects the Kysely query builder: `@InjectKysely() db: Kysely<Schema>`. */
export const InjectKysely = (): ParameterDecorator => Inject(KYSELY);

/** Injection token of the ioredis client of the Redis resource (`lifespan.redis`). */
export const REDIS = 'LIFESPAN:REDIS';

/** Injects the Redis client: `@InjectRedis() redis: Redis`. */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);
