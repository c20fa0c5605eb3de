/**
 * Something the service opens at boot, checks for readiness and closes at shutdown: a database,
 * a Redis connection, an HTTP client pool.
 */
export interface Resource {
  /** Short name used in logs and readiness details, e.g. `database`. */
  readonly name: string;
  /** Where it points, safe to log (passwords masked), e.g. `postgres://app:****@db:5432/app`. */
  readonly target: string;
  /**
   * Whether readiness fails while it is down. `false` marks a resource the service can degrade
   * without (a cache, a fan-out bus): it is still checked and reported, but readiness stays 200
   * with `status: "degraded"`, so a balancer keeps the instance. @default true
   */
  readonly required?: boolean;
  /** Opens it; throwing stops the boot. */
  open(): Promise<void>;
  /** Resolves when healthy, throws when not. Must not hang: the registry times it out anyway. */
  check(): Promise<void>;
  /**
   * Releases it. Called once, in reverse order of opening; also called when `open()` threw, to
   * release what it opened partially, so it must cope with a half-open state.
   */
  close(): Promise<void>;
}

export type ResourceState = 'up' | 'down';

/** Readiness of one resource. `error` is a stable code, never driver text. */
export interface ResourceHealth {
  status: ResourceState;
  /** Whether this resource being down fails readiness (see `Resource.required`). */
  required: boolean;
  durationMs: number;
  error?: 'CHECK_FAILED' | 'CHECK_TIMEOUT';
}

/**
 * `ok`: everything up. `degraded`: only resources with `required: false` are down; readiness
 * still answers 200. `unavailable`: a required resource is down or the service is shutting down.
 */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  shuttingDown: boolean;
  resources: Record<string, ResourceHealth>;
}

/** Work run at shutdown after the listener closed and before resources close. */
export interface ShutdownStep {
  /** Logged as the step runs, e.g. `background tasks`. */
  readonly name: string;
  /** Steps run by ascending order (tasks 10, job workers 20). */
  readonly order: number;
  run(): Promise<void>;
  /** What is still outstanding, for the log when the grace period runs out. */
  pending?(): string | undefined;
}
