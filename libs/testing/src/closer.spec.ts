import { Closer } from './closer';

describe('Closer', () => {
  it('closes newest first, each awaited before the next, and only once', async () => {
    const closer = new Closer();
    const order: string[] = [];
    const app = closer.add({
      close: async () => {
        await Promise.resolve();
        order.push('app');
      },
    });
    closer.add({ close: () => order.push('client') });
    closer.add(() => order.push('timer'));
    expect(closer.size).toBe(3);
    await closer.closeAll();
    await closer.closeAll();
    expect(order).toEqual(['timer', 'client', 'app']);
    expect(closer.size).toBe(0);
    expect(typeof app.close).toBe('function');
  });

  describe('adopting a resource that is still opening', () => {
    it('closes it once it has opened, when closeAll() came first', async () => {
      const closer = new Closer();
      const closed: string[] = [];
      let open!: (resource: { close(): void }) => void;
      const opening = closer.adopt(new Promise<{ close(): void }>((resolve) => (open = resolve)));
      const closing = closer.closeAll();
      open({ close: () => closed.push('app') });
      await closing;
      expect(await opening).toEqual({ close: expect.any(Function) });
      expect(closed).toEqual(['app']);
      expect(closer.size).toBe(0);
    });

    it('skips an opening that failed, and still closes the others', async () => {
      const closer = new Closer();
      const closed: string[] = [];
      closer.add(() => closed.push('store'));
      const failed = closer.adopt(Promise.reject(new Error('boot failed')));
      await expect(failed).rejects.toThrow('boot failed');
      await closer.closeAll();
      expect(closed).toEqual(['store']);
    });
  });

  describe('when closing fails', () => {
    it('still closes the others, then throws that error', async () => {
      const closer = new Closer();
      const closed: string[] = [];
      const boom = new Error('socket would not close');
      closer.add(() => closed.push('first'));
      closer.add(() => {
        throw boom;
      });
      closer.add(() => closed.push('last'));
      await expect(closer.closeAll()).rejects.toBe(boom);
      expect(closed).toEqual(['last', 'first']);
    });

    it('throws an AggregateError with every error when several fail', async () => {
      const closer = new Closer();
      closer.add(() => Promise.reject(new Error('a')));
      closer.add(() => Promise.reject(new Error('b')));
      const err = (await closer.closeAll().catch((e: unknown) => e)) as AggregateError;
      expect(err).toBeInstanceOf(AggregateError);
      expect(err.message).toBe('2 resources failed to close');
      expect(err.errors.map((e: Error) => e.message)).toEqual(['b', 'a']);
    });
  });
});
