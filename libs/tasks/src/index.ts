export { TasksModule } from './tasks.module';
export { TASKS_MODULE_OPTIONS } from './tasks.module-definition';
export { resolveTasksOptions } from './options/tasks-options.factory';
export type {
  BackgroundTaskOptions,
  JobOptions,
  ResolvedTasksOptions,
  TasksModuleOptions,
} from './options/tasks-options.interface';
export { BackgroundTasks } from './background/background-tasks';
export { Background } from './background/background.decorator';
export { TaskRunner, type TaskFn, type TaskStats } from './background/task-runner.service';
export {
  RequestResource,
  ErrorResponseRollback,
  NoRequestScopeError,
  settleRequestScope,
  deriveContext,
} from './request-resource/request-resource';
export { TASK_RUNNER } from './background/background-tasks.binding';
export {
  JobQueue,
  backoffDelay,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobInfo,
  type JobState,
} from './jobs/job-queue';
export { InProcessJobQueue } from './jobs/in-process-job.queue';
export { BullmqJobQueue } from './jobs/bullmq-job.queue';
export { OnJob, type JobHandlerMetadata } from './jobs/job-handler.decorator';
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
