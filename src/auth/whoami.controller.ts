import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AccessTokenClaims, Auth, ClaimsOnly, CurrentClaims } from '@kit/auth';

@ApiTags('auth')
@Controller('auth')
export class WhoamiController {
  @Get('whoami')
  @Auth()
  @ClaimsOnly()
  @ApiOperation({ summary: 'The verified claims of the bearer token (no database access)' })
  @ApiOkResponse({
    schema: {
      example: {
        sub: '…',
        roles: ['user'],
        iss: 'nest-service-kit',
        aud: 'nest-service-kit',
        exp: 0,
        iat: 0,
        jti: '…',
      },
    },
  })
  whoami(@CurrentClaims() claims: AccessTokenClaims): AccessTokenClaims {
    return claims;
  }
}
