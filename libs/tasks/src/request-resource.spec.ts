import { createContextStore, RequestContext } from '@kit/http';
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
      expect(() => resource.get()).toThrow(/outside a request, task or job/);
    });
  });

  describe('in a request whose route has no @UseRequestScope()', () => {
    it('refuses get(), naming the decorator, and creates nothing', () => {
      const resource = new Counter();
      const store = createContextStore('req-1');
      let thrown: unknown;
      RequestContext.run(store, () => {
        try {
          void resource.get();
        } catch (err) {
          thrown = err;
        }
      });
      expect(thrown).toBeInstanceOf(NoRequestScopeError);
      expect((thrown as NoRequestScopeError).code).toBe('TASKS_NO_REQUEST_SCOPE');
      expect((thrown as Error).message).toContain('add @UseRequestScope()');
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
