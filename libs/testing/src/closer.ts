/** Something a test opened: an app, a socket, a client; or a function that closes it. */
export type Closable = { close(): unknown } | (() => unknown);

/**
 * Closes what a test opened, newest first (clients before the app they talk to), once each,
 * even when one of them fails: register in the test, `await closer.closeAll()` in `afterEach`.
 */
export class Closer {
  private readonly open: Closable[] = [];

  /** Registers `resource` to be closed by `closeAll()`, and returns it. */
  add<T extends Closable>(resource: T): T {
    this.open.push(resource);
    return resource;
  }

  /**
   * Registers what `opening` resolves to before it has resolved, and returns `opening`: a hook
   * that times out or fails mid-boot leaves nothing open, as `closeAll()` waits for the opening
   * to settle and closes its result (a rejected opening is the opener's to clean up).
   */
  adopt<T extends Closable>(opening: Promise<T>): Promise<T> {
    this.add(async () => {
      const resource = await opening.catch(() => undefined);
      if (resource) await (typeof resource === 'function' ? resource() : resource.close());
    });
    return opening;
  }

  /** How many resources are still registered. */
  get size(): number {
    return this.open.length;
  }

  /**
   * Closes every registered resource, newest first, each awaited before the next; then throws
   * the error if one failed (an `AggregateError` if several did). Safe to call twice.
   */
  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (let resource = this.open.pop(); resource; resource = this.open.pop()) {
      try {
        await (typeof resource === 'function' ? resource() : resource.close());
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} resources failed to close`);
  }
}
