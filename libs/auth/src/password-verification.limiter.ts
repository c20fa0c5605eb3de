import type { OnModuleDestroy } from '@nestjs/common';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { LoginBusyError } from './oauth.error';

/** The limits `PasswordVerificationLimiter` reads (those of `ResolvedAuthOptions['throttle']`). */
export type VerificationLimits = Pick<
  ResolvedAuthOptions['throttle'],
  'maxConcurrentVerifications' | 'maxQueuedVerifications' | 'verificationQueueTimeoutMs'
>;

interface Waiter {
  readonly start: () => void;
  readonly refuse: (err: LoginBusyError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A semaphore around the token endpoint's password verifications: at most
 * `maxConcurrentVerifications` run at once, `maxQueuedVerifications` wait (first come, first
 * served) for at most `verificationQueueTimeoutMs`; any other login is refused with
 * `LoginBusyError` at once. Wrong passwords sent from many addresses can then take no more CPU
 * than that, and a real login waits behind a bounded queue instead of every attempt.
 */
export class PasswordVerificationLimiter implements OnModuleDestroy {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private readonly retryAfterSec: number;

  constructor(private readonly limits: VerificationLimits) {
    this.retryAfterSec = Math.max(1, Math.ceil(limits.verificationQueueTimeoutMs / 1000));
  }

  /** Runs `verify` in a slot; throws `LoginBusyError` (without running it) when none frees in time. */
  async run<T>(verify: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await verify();
    } finally {
      this.release();
    }
  }

  /** Refuses the logins still waiting (the app is closing). Safe to call twice. */
  onModuleDestroy(): void {
    for (const waiter of this.queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.refuse(this.busy());
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limits.maxConcurrentVerifications) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.limits.maxQueuedVerifications) return Promise.reject(this.busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        refuse: reject,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(this.busy());
        }, this.limits.verificationQueueTimeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  /** Hands the slot to the first waiter, or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (!next) {
      this.running -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.start();
  }

  private busy(): LoginBusyError {
    return new LoginBusyError(this.retryAfterSec);
  }
}
