import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEFAULT_PROBLEM_TYPE_BASE, problemTypeOf } from './problem';

/** OpenAPI schema of a problem+json body (RFC 9457). */
export class ProblemDetailsDto {
  @ApiProperty({
    example: problemTypeOf(DEFAULT_PROBLEM_TYPE_BASE, 'NOT_FOUND'),
    description: 'URI identifying the problem type',
  })
  type!: string;
  @ApiProperty({ example: 'Not Found' })
  title!: string;
  @ApiProperty({ example: 404 })
  status!: number;
  @ApiProperty({ example: 'User 42 does not exist.' })
  detail!: string;
  @ApiProperty({ example: 'NOT_FOUND', description: 'Stable machine-readable code' })
  error!: string;
  @ApiProperty({
    example: '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f',
    description: 'Echoes the X-Request-ID header',
  })
  request_id!: string;
}

export class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field!: string;
  @ApiProperty({ example: 'email must be an email' })
  message!: string;
}

/** OpenAPI schema of a 400 validation problem. */
export class ValidationProblemDetailsDto extends ProblemDetailsDto {
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}
