import { Injectable, Optional } from '@nestjs/common';
import type { ControlledTransaction, Kysely } from 'kysely';
import { DatabaseResource, InjectKysely } from '@kit/lifespan';
import { KitError } from '@kit/http';
import { RequestResource } from '@kit/tasks';
import type { Schema } from './schema';

/**
 * One database transaction per request (or task, or job), opened on first use and shared by
 * every repository in that unit of work: committed after a successful handler, rolled back when
 * it throws. Code inside a unit of work must query through it, not through the plain database.
 * On SQLite (one connection) a second transaction in the same unit of work would wait forever
 * for the connection the first one holds: `fresh()` (or `get()` after it) then fails at once
 * with `NestedTransactionError` instead. A plain query while the transaction is open waits the
 * same way and cannot be detected here: query through `get()`.
 */
@Injectable()
export class UnitOfWork extends RequestResource<ControlledTransaction<Schema>> {
  /** SQLite has one connection: a second transaction in one unit of work would wait forever. */
  private readonly oneConnection: boolean;

  constructor(
    @InjectKysely() private readonly db: Kysely<Schema>,
    @Optional() database?: DatabaseResource,
  ) {
    super();
    this.oneConnection = database?.dialect === 'sqlite';
  }

  protected override create(): Promise<ControlledTransaction<Schema>> {
    if (this.oneConnection && this.holdsValueInCurrentUnit()) {
      throw new NestedTransactionError();
    }
    return this.db.startTransaction().execute();
  }

  protected override async commit(trx: ControlledTransaction<Schema>): Promise<void> {
    await trx.commit().execute();
  }

  protected override async rollback(trx: ControlledTransaction<Schema>): Promise<void> {
    if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute();
  }
}

/** A second transaction in one unit of work on SQLite, which has a single connection. */
export class NestedTransactionError extends KitError<'UOW_NESTED_TRANSACTION'> {
  constructor() {
    super(
      'UOW_NESTED_TRANSACTION',
      'a second transaction in one unit of work (UnitOfWork.fresh()) is not possible on SQLite: ' +
        "its one connection is held by the unit of work's first transaction; use get(), or PostgreSQL",
    );
  }
}
