import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser, Public } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { CreateUserDto } from './user.dto';
import { type AppUser, UserView } from './user.view';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Public()
  @ApiOperation({ summary: 'Register a user' })
  @ApiCreatedResponse({ type: UserView })
  @ApiProblem(400, 'VALIDATION_FAILED')
  @ApiProblem(409, 'EMAIL_TAKEN', 'A user with this email already exists')
  register(@Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.register(dto);
  }

  @Get('me')
  @Auth()
  @ApiOperation({ summary: 'The authenticated user' })
  @ApiOkResponse({ type: UserView })
  me(@CurrentUser() user: AppUser): UserView {
    return user.view;
  }

  @Get(':id')
  @Auth()
  @ApiOperation({ summary: 'A user by id' })
  @ApiOkResponse({ type: UserView })
  @ApiProblem(404, 'USER_NOT_FOUND')
  get(@Param('id') id: string): Promise<UserView> {
    return this.users.get(id);
  }
}
