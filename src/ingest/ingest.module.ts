import { Module } from '@nestjs/common';
import { EventsRepository } from './events.repository';
import { IngestController } from './ingest.controller';
import { IngestProcessor } from './ingest.processor';

@Module({ controllers: [IngestController], providers: [EventsRepository, IngestProcessor] })
export class IngestModule {}
