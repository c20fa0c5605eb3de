import { Injectable } from '@nestjs/common';
import type { ControlledTransaction, Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import { RequestResource } from '@kit/tasks';
import type { Schema } from './schema';

/**
 * One database transaction per request (or task, or job), opened on first use and shared by
 * every repository in that unit of work: committed after a successful handler, rolled back when
 * it throws. Code inside a unit of work must query through it, not through the plain database.
 * On SQLite (one connection) a second transaction in the same request — `fresh()`, or a plain
 * query while this one is open — waits for a connection the request itself holds: use `get()`.
 */
@Injectable()
export class UnitOfWork extends RequestResource<ControlledTransaction<Schema>> {
  constructor(@InjectKysely() private readonly db: Kysely<Schema>) {
    super();
  }

  protected override create(): Promise<ControlledTransaction<Schema>> {
    return this.db.startTransaction().execute();
  }

  protected override async commit(trx: ControlledTransaction<Schema>): Promise<void> {
    await trx.commit().execute();
  }

  protected override async rollback(trx: ControlledTransaction<Schema>): Promise<void> {
    if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute();
  }
}
