import type { BrokerStats, LocalRooms, RealtimeBroker } from './realtime-broker.interface';

/** One instance: nothing to fan out, presence is the local rooms. */
export class InProcessBroker implements RealtimeBroker {
  readonly kind = 'memory';
  private local: LocalRooms | undefined;

  attach(local: LocalRooms): void {
    this.local = local;
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  publish(_room: string, _frame: string): void {
    // Every member is on this instance and has the envelope already.
  }

  presenceChanged(): void {
    // Presence is read from the local rooms.
  }

  members(room: string): Promise<string[]> {
    return Promise.resolve(this.local?.localMembers(room) ?? []);
  }

  check(): Promise<void> {
    return Promise.resolve();
  }

  stats(): BrokerStats {
    return {
      kind: 'memory',
      connected: true,
      published: 0,
      publishFailures: 0,
      received: 0,
      malformed: 0,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
