import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.constants';
import type { AppConfig } from '../config/app.config';
import { UsersService } from './users.service';

/** Creates the admin named by `ADMIN_EMAIL` / `ADMIN_PASSWORD` at boot if it does not exist. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword, adminEmailVariable } = this.config;
    if (!adminEmail || !adminPassword) return;
    if (adminEmailVariable === 'ADMIN_USERNAME') {
      this.logger.warn('ADMIN_USERNAME is deprecated: rename it to ADMIN_EMAIL');
    }
    const outcome = await this.users.ensureAdmin(adminEmail, adminPassword);
    this.logger.log(
      outcome === 'created' ? `created admin ${adminEmail}` : `admin ${adminEmail} already exists`,
    );
  }
}
