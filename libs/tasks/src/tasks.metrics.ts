import type { MetricsService } from '@kit/http';
import type { JobQueue } from './jobs/job-queue';
import type { TaskRunner } from './background/task-runner.service';

/** Background-task and job metrics: counts read on scrape, durations observed per task/job. */
export function registerTaskMetrics(
  metrics: MetricsService,
  runner: TaskRunner,
  jobs: JobQueue,
): void {
  const tasks = metrics.gauge({
    name: 'background_tasks',
    help: 'Background tasks: running and outstanding now; queued, completed, failed and refused since start',
    labelNames: ['state'],
    collect() {
      const s = runner.snapshot();
      tasks.set({ state: 'running' }, s.running);
      tasks.set({ state: 'outstanding' }, runner.outstanding);
      tasks.set({ state: 'queued_total' }, s.queued);
      tasks.set({ state: 'completed_total' }, s.completed);
      tasks.set({ state: 'failed_total' }, s.failed);
      tasks.set({ state: 'refused_total' }, s.refused);
    },
  });
  const taskDuration = metrics.histogram({
    name: 'background_task_duration_seconds',
    help: 'Background task duration by outcome',
    labelNames: ['outcome'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
  });
  // Both outcomes rendered (as zeros) from the start.
  taskDuration.zero({ outcome: 'completed' });
  taskDuration.zero({ outcome: 'failed' });
  const completed = taskDuration.labels({ outcome: 'completed' });
  const failedTasks = taskDuration.labels({ outcome: 'failed' });
  runner.observer = (ms, failed) => (failed ? failedTasks : completed).observe(ms / 1000);
  const jobDuration = metrics.histogram({
    name: 'job_attempt_duration_seconds',
    help: 'Durable job attempts on this instance by job name and outcome',
    labelNames: ['name', 'outcome'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
  });
  jobs.observer = (name, outcome, ms) => jobDuration.observe({ name, outcome }, ms / 1000);
}
