/** The options as resolved once by `resolveTasksOptions()`. */
export const RESOLVED_TASKS_OPTIONS = Symbol('kit.tasks.resolvedOptions');
