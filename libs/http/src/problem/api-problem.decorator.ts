import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import {
  codeForStatus,
  DEFAULT_PROBLEM_TYPE_BASE,
  PROBLEM_CONTENT_TYPE,
  problemTypeOf,
  titleForStatus,
} from './problem';
import { ProblemDetailsDto, ValidationProblemDetailsDto } from './problem.dto';

/**
 * Documents a problem+json response: `@ApiProblem(404, 'USER_NOT_FOUND', 'No such user')`.
 * 400 responses use the validation schema (with `errors`). The example's `detail` is `detail`
 * when given — pass the error's own (`new MissingApiKeyError().detail`) so the document shows
 * what the server answers — else the description.
 */
export function ApiProblem(
  status: number,
  code: string = codeForStatus(status),
  description?: string,
  detail?: string,
): MethodDecorator & ClassDecorator {
  const model = status === 400 ? ValidationProblemDetailsDto : ProblemDetailsDto;
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto, ValidationProblemDetailsDto),
    ApiResponse({
      status,
      description: description ?? titleForStatus(status),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(model) },
          example: {
            // The app's own base replaces the default when the document is built.
            type: problemTypeOf(DEFAULT_PROBLEM_TYPE_BASE, code),
            title: titleForStatus(status),
            status,
            detail: detail ?? description ?? titleForStatus(status),
            error: code,
            request_id: '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f',
          },
        },
      },
    }),
  );
}
