import { DomainError } from '@kit/http';

export class UserNotFoundError extends DomainError {
  constructor(id: string) {
    super('USER_NOT_FOUND', 404, 'Not Found', {
      detail: `No user has the id "${id.slice(0, 64)}".`,
    });
  }
}

export class EmailTakenError extends DomainError {
  constructor() {
    super('EMAIL_TAKEN', 409, 'Conflict', { detail: 'A user with this email already exists.' });
  }
}
