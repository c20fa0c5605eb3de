import { RequestContext } from '@kit/http';
import { createHttpContextStore, type RequestContextStore } from '@kit/http/internal';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventEmitter } from 'node:events';
import { BACKGROUND_TASKS_KEY } from './background-tasks';
import { backgroundTasksFor, TASK_RUNNER } from './background-tasks.binding';
import { TaskRunner } from './task-runner.service';
import { resolveTasksOptions } from '../options/tasks-options.factory';

function fakes(store: RequestContextStore | null, runner?: TaskRunner) {
  const raw = Object.assign(new EventEmitter(), { statusCode: 201 });
  const request = { kitContext: store, server: { [TASK_RUNNER]: runner } };
  return {
    request: request as unknown as FastifyRequest,
    reply: { raw } as unknown as FastifyReply,
    raw,
  };
}

describe('backgroundTasksFor', () => {
  const runner = new TaskRunner(resolveTasksOptions({}));

  it('refuses without TasksModule (TASKS_MODULE_MISSING)', () => {
    const { request, reply } = fakes(createHttpContextStore('r1'));
    expect(() => backgroundTasksFor(request, reply)).toThrow(
      expect.objectContaining({ code: 'TASKS_MODULE_MISSING' }),
    );
  });

  it("refuses outside @kit/http's request context (TASKS_NO_REQUEST_CONTEXT)", () => {
    const { request, reply } = fakes(null, runner);
    expect(() => backgroundTasksFor(request, reply)).toThrow(
      expect.objectContaining({ code: 'TASKS_NO_REQUEST_CONTEXT' }),
    );
  });

  it('gives one instance per request, and does not carry it into the tasks', async () => {
    const store = createHttpContextStore('r2');
    const { request, reply, raw } = fakes(store, runner);
    const tasks = backgroundTasksFor(request, reply);
    expect(backgroundTasksFor(request, reply)).toBe(tasks);
    let seen: unknown = 'not run';
    tasks.add(() => {
      seen = RequestContext.current()?.values.get(BACKGROUND_TASKS_KEY);
    });
    for (const step of store.beforeSend ?? []) await step(201);
    raw.emit('close');
    await runner.drain(); // tasks finish asynchronously, after the response
    expect(seen).toBeUndefined();
    expect(store.values.has(BACKGROUND_TASKS_KEY)).toBe(false);
    expect(runner.snapshot()).toMatchObject({ completed: 1, failed: 0 });
    expect(() => tasks.add(() => undefined)).toThrow(
      expect.objectContaining({ code: 'TASKS_ADD_AFTER_RESPONSE' }),
    );
  });

  it('an observer that throws neither leaves the task counted as outstanding nor escapes', async () => {
    const throwing = new TaskRunner(resolveTasksOptions({}));
    throwing.observer = () => {
      throw new Error('observer broke');
    };
    const store = createHttpContextStore('r3');
    const { request, reply, raw } = fakes(store, throwing);
    let ran = false;
    backgroundTasksFor(request, reply).add(() => {
      ran = true;
    });
    for (const step of store.beforeSend ?? []) await step(201);
    raw.emit('close');
    await throwing.drain();
    expect(ran).toBe(true);
    expect(throwing.outstanding).toBe(0);
  }, 5_000);
});
