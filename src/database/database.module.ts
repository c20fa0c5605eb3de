import { Global, Module } from '@nestjs/common';
import { UnitOfWork } from './unit-of-work';

/** The per-request unit of work, one provider for the whole service so every module shares it. */
@Global()
@Module({ providers: [UnitOfWork], exports: [UnitOfWork] })
export class DatabaseModule {}
