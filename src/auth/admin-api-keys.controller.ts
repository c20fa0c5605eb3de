import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyService, type ApiKeyView, Auth, type CreatedApiKey } from '@kit/auth';
import { ApiProblem, DomainError } from '@kit/http';
import { ApiKeyViewDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';

export class ApiKeyNotFoundError extends DomainError {
  constructor() {
    super('API_KEY_NOT_FOUND', 404, 'Not Found', { detail: 'No live API key has this id.' });
  }
}

@ApiTags('admin')
@Auth('admin')
@Controller('admin/api-keys')
export class AdminApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is shown only in this response' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblem(400, 'VALIDATION_FAILED')
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.create(dto.name, dto.scopes ?? []);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (no secrets)' })
  @ApiOkResponse({ type: [ApiKeyViewDto] })
  list(): Promise<ApiKeyView[]> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; it stops working on the next request' })
  @ApiNoContentResponse()
  @ApiProblem(404, 'API_KEY_NOT_FOUND')
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.apiKeys.revoke(id))) throw new ApiKeyNotFoundError();
  }
}
