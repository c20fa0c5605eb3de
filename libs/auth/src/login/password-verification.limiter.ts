import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';
import { LoginBusyError } from '../tokens/oauth.error';

/** The limits `PasswordVerificationLimiter` reads (those of `ResolvedAuthOptions['throttle']`). */
export type VerificationLimits = Pick<
  ResolvedAuthOptions['throttle'],
  'maxConcurrentVerifications' | 'maxQueuedVerifications' | 'verificationQueueTimeoutMs'
>;

/** Refused logins are reported at most this often. */
const REPORT_EVERY_MS = 10_000;

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
 * than that, and a real login waits behind a bounded queue instead of every attempt. Refusals
 * are logged as one warning per 10 s with their count, not one error each.
 */
export class PasswordVerificationLimiter implements OnModuleDestroy {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private readonly retryAfterSec: number;
  private readonly logger = new Logger('PasswordVerificationLimiter');
  private refused = 0;
  private reportedAt = Number.NEGATIVE_INFINITY;

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

  /**
   * Throws `LoginBusyError` when a login arriving now would be refused (every slot and queue
   * place taken), so that it is answered before any other work (throttle store, user lookup).
   */
  assertRoom(): void {
    if (this.hasRoom()) return;
    throw this.busy();
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
    if (!this.hasRoom()) return Promise.reject(this.busy());
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

  private hasRoom(): boolean {
    return (
      this.running < this.limits.maxConcurrentVerifications ||
      this.queue.length < this.limits.maxQueuedVerifications
    );
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
    this.report();
    return new LoginBusyError(this.retryAfterSec);
  }

  /** One warning per `REPORT_EVERY_MS` while logins are refused, with how many were. */
  private report(): void {
    this.refused += 1;
    const now = performance.now();
    if (now - this.reportedAt < REPORT_EVERY_MS) return;
    const { maxConcurrentVerifications, maxQueuedVerifications } = this.limits;
    this.logger.warn(
      `${this.refused} login(s) answered 503: all ${maxConcurrentVerifications} password-verification slots busy and ${maxQueuedVerifications} waiting (raise auth.throttle.maxConcurrentVerifications if this is real traffic)`,
    );
    this.refused = 0;
    this.reportedAt = now;
  }
}
