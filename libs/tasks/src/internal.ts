// @kit/tasks/internal: what the other kit libs (and the kit's own tests) need from @kit/tasks and
// services do not. Not documented, no compatibility promise; a service imports `@kit/tasks` only
// (`npm run lint` checks it: scripts/check-lib-deps.js).
export { TASKS_MODULE_OPTIONS } from './tasks.module-definition';
export { resolveTasksOptions } from './options/tasks-options.factory';
export type { ResolvedTasksOptions } from './options/tasks-options.interface';
export { settleRequestScope, deriveContext } from './request-resource/request-resource';
export { TASK_RUNNER } from './background/background-tasks.binding';
export { backoffDelay } from './jobs/job-queue';
export type { JobHandlerMetadata } from './jobs/job-handler.decorator';
