import { RequestContext } from '@kit/http';
import { createContextStore, createHttpContextStore } from '@kit/http/internal';
import {
  activateRequestScope,
  NoRequestScopeError,
  RequestResource,
  settleRequestScope,
} from './request-resource';

class Counter extends RequestResource<number> {
  created = 0;
  protected override create(): Promise<number> {
    return Promise.resolve(++this.created);
  }
}

describe('RequestResource', () => {
  describe('outside any unit of work', () => {
    it('refuses get() with TASKS_NO_REQUEST_SCOPE', () => {
      const resource = new Counter();
      expect(() => resource.get()).toThrow(NoRequestScopeError);
      expect(() => resource.get()).toThrow(/outside an HTTP request, background task or job/);
    });
  });

  describe('in an HTTP request', () => {
    it('settles at the response: commit below 400, rollback from 400 on', async () => {
      const journal: string[] = [];
      class Journal extends RequestResource<number> {
        private n = 0;
        protected override create(): Promise<number> {
          return Promise.resolve(++this.n);
        }
        protected override commit(v: number): Promise<void> {
          journal.push(`commit ${v}`);
          return Promise.resolve();
        }
        protected override rollback(v: number): Promise<void> {
          journal.push(`rollback ${v}`);
          return Promise.resolve();
        }
      }
      const resource = new Journal();
      for (const status of [201, 409]) {
        const store = createHttpContextStore(`req-${status}`);
        await RequestContext.run(store, () => resource.get());
        for (const step of store.beforeSend ?? []) await step(status);
      }
      expect(journal).toEqual(['commit 1', 'rollback 2']);
    });

    it('turns a failed commit into a failure of the before-send step', async () => {
      class Failing extends RequestResource<number> {
        protected override create(): Promise<number> {
          return Promise.resolve(1);
        }
        protected override commit(): Promise<void> {
          return Promise.reject(new Error('commit failed'));
        }
      }
      const store = createHttpContextStore('req');
      await RequestContext.run(store, () => new Failing().get());
      await expect((store.beforeSend ?? [])[0]?.(200)).rejects.toThrow('commit failed');
    });
  });

  describe('in a context that nothing settles (not HTTP, task or job)', () => {
    it('refuses get() and creates nothing', () => {
      const resource = new Counter();
      let thrown: unknown;
      RequestContext.run(createContextStore('ws-message'), () => {
        try {
          void resource.get();
        } catch (err) {
          thrown = err;
        }
      });
      expect((thrown as NoRequestScopeError).code).toBe('TASKS_NO_REQUEST_SCOPE');
      expect(resource.created).toBe(0);
    });
  });

  describe('in an activated unit of work', () => {
    it('shares one value per unit of work and a new one in the next', async () => {
      const resource = new Counter();
      const first = createContextStore('a');
      const second = createContextStore('b');
      activateRequestScope(first);
      activateRequestScope(second);
      const a = await RequestContext.run(first, async () => [
        await resource.get(),
        await resource.get(),
      ]);
      const b = await RequestContext.run(second, () => resource.get());
      expect(a).toEqual([1, 1]);
      expect(b).toBe(2);
      expect((await settleRequestScope(first)).failed).toBe(false);
    });
  });
});
