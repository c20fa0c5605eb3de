import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { ApiProblem } from '../problem/api-problem.decorator';
import { createKitAdapter } from '../server/http.bootstrap';
import { HttpKitModule } from '../http.module';
import { buildOpenApiDocument } from './openapi.setup';

const BASE = 'https://errors.example.com/p/';

@Controller('things')
class ThingsController {
  @Get()
  @ApiProblem(404, 'THING_NOT_FOUND')
  @ApiResponse({
    status: 409,
    content: {
      'application/problem+json': {
        examples: {
          taken: { value: { type: 'urn:problem:thing-taken', error: 'THING_TAKEN' } },
        },
        schema: {
          type: 'object',
          examples: [{ type: 'urn:problem:thing-locked', error: 'THING_LOCKED' }],
        },
      },
    },
  })
  list(): string[] {
    return [];
  }
}

async function documentWith(problemTypeBase: string | undefined): Promise<string> {
  @Module({
    imports: [HttpKitModule.forRoot({ problemTypeBase })],
    controllers: [ThingsController],
  })
  class DocsModule {}
  const ref = await Test.createTestingModule({ imports: [DocsModule] }).compile();
  const app: INestApplication = ref.createNestApplication(createKitAdapter({}).adapter);
  await app.init();
  try {
    return JSON.stringify(buildOpenApiDocument(app));
  } finally {
    await app.close();
  }
}

describe('buildOpenApiDocument', () => {
  describe('with a problemTypeBase of its own', () => {
    it('rebases every problem type example the document shows', async () => {
      const text = await documentWith(BASE);
      expect(text).not.toContain('urn:problem:');
      for (const code of ['thing-not-found', 'thing-taken', 'thing-locked', 'not-found']) {
        expect(text).toContain(`"${BASE}${code}"`);
      }
    });
  });

  describe('with the default base', () => {
    it('leaves the examples as the decorators wrote them', async () => {
      const text = await documentWith(undefined);
      for (const code of ['thing-not-found', 'thing-taken', 'thing-locked', 'not-found']) {
        expect(text).toContain(`"urn:problem:${code}"`);
      }
    });
  });
});
