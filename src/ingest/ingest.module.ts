import { Module } from '@nestjs/common';
import { EventsRepository } from './events.repository';
import { IngestController } from './ingest.controller';

@Module({ controllers: [IngestController], providers: [EventsRepository] })
export class IngestModule {}
