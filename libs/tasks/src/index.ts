export { TasksModule } from './tasks.module';
export { TASKS_MODULE_OPTIONS } from './tasks.module-definition';
export { resolveTasksOptions } from './tasks-options.factory';
export type {
  BackgroundTaskOptions,
  JobOptions,
  ResolvedTasksOptions,
  TasksModuleOptions,
} from './tasks-options.interface';
export { BackgroundTasks } from './background-tasks';
export { Background } from './background.decorator';
export { TaskRunner, type TaskFn, type TaskStats } from './task-runner.service';
export {
  RequestResource,
  ErrorResponseRollback,
  NoRequestScopeError,
  settleRequestScope,
  deriveContext,
} from './request-resource';
export { TASK_RUNNER } from './background-tasks.binding';
export {
  JobQueue,
  backoffDelay,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobInfo,
  type JobState,
} from './job-queue';
export { InProcessJobQueue } from './in-process-job.queue';
export { BullmqJobQueue } from './bullmq-job.queue';
export { OnJob, type JobHandlerMetadata } from './job-handler.decorator';
export {
  BackgroundTasksUsageError,
  JobError,
  JobHandlerDeclarationError,
  JobQueueUnavailableError,
  ShuttingDownError,
  TaskQueueFullError,
  TasksConfigError,
  TaskThrewNothingError,
} from './tasks.errors';
