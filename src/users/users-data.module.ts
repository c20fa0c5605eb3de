import { Module } from '@nestjs/common';
import { UsersAuthResolver } from './users-auth.resolver';
import { UsersRepository } from './users.repository';

/** The users table, shared by the users routes and the auth module's resolver. */
@Module({
  providers: [UsersRepository, UsersAuthResolver],
  exports: [UsersRepository, UsersAuthResolver],
})
export class UsersDataModule {}
