// The public API of @kit/tasks. What other kit libs need from it, and services do not, is in
// `./internal` (`@kit/tasks/internal`), which is not documented and may change in any version.
export { TasksModule } from './tasks.module';
export type {
  BackgroundTaskOptions,
  JobOptions,
  TasksModuleOptions,
} from './options/tasks-options.interface';
export { BackgroundTasks } from './background/background-tasks';
export { Background } from './background/background.decorator';
export { TaskRunner, type TaskFn, type TaskStats } from './background/task-runner.service';
export {
  RequestResource,
  ErrorResponseRollback,
  NoRequestScopeError,
  runInRequestContext,
} from './request-resource/request-resource';
export {
  JobQueue,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobInfo,
  type JobState,
} from './jobs/job-queue';
export { InProcessJobQueue } from './jobs/in-process-job.queue';
export { BullmqJobQueue } from './jobs/bullmq-job.queue';
export { OnJob } from './jobs/job-handler.decorator';
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
