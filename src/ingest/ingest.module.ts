import { type DynamicModule, Module } from '@nestjs/common';
import { EventsRepository } from './events.repository';
import { IngestController } from './ingest.controller';
import { IngestOutboxRepository } from './ingest-outbox.repository';
import { IngestOutbox } from './ingest-outbox.service';
import { DEFAULT_INGEST_OPTIONS, INGEST_OPTIONS, type IngestOptions } from './ingest.options';
import { IngestProcessor } from './ingest.processor';
import { IngestService } from './ingest.service';

@Module({})
export class IngestModule {
  static forRoot(options: Partial<IngestOptions> = {}): DynamicModule {
    return {
      module: IngestModule,
      controllers: [IngestController],
      providers: [
        {
          provide: INGEST_OPTIONS,
          useValue: Object.freeze({ ...DEFAULT_INGEST_OPTIONS, ...options }),
        },
        EventsRepository,
        IngestOutboxRepository,
        IngestProcessor,
        IngestOutbox,
        IngestService,
      ],
    };
  }
}
