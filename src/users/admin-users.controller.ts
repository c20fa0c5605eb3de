import { Body, Controller, Delete, HttpCode, Param, Patch } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { UpdateUserDto } from './user.dto';
import { UserView } from './user.view';
import { UsersService } from './users.service';

@ApiTags('admin')
@Auth('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user; their tokens stop working at once' })
  @ApiNoContentResponse()
  @ApiProblem(404, 'USER_NOT_FOUND')
  async delete(@Param('id') id: string): Promise<void> {
    await this.users.delete(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Set role and/or is_active; deactivation takes effect on the next request',
  })
  @ApiOkResponse({ type: UserView })
  @ApiProblem(404, 'USER_NOT_FOUND')
  @ApiProblem(400, 'VALIDATION_FAILED')
  update(@Param('id') id: string, @Body() dto: UpdateUserDto): Promise<UserView> {
    return this.users.update(id, dto);
  }
}
