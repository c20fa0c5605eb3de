import { Inject } from '@nestjs/common';

/** Injection token of the Kysely instance of the database resource. */
export const KYSELY = 'LIFESPAN:KYSELY';

/** Injects the Kysely query builder: `@InjectKysely() db: Kysely<Schema>`. */
export const InjectKysely = (): ParameterDecorator => Inject(KYSELY);
