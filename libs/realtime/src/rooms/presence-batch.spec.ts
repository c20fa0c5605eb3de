import { isRelayType, parseBusMessage } from '../envelope';
import { PresenceBatch } from './presence-batch';

const LIMIT = 70_000;

function relayed(room: string, frame: string): string | undefined {
  return parseBusMessage(`v1\nother-instance\n${room}\n${frame}`, LIMIT)?.frame;
}

describe('PresenceBatch', () => {
  it('serializes counts and users with ids embedded as JSON', () => {
    const batch = new PresenceBatch(10, 1_000);
    batch.add('join', 'u"1', JSON.stringify('u"1'));
    batch.add('leave', 'u2', '"u2"');
    expect(JSON.parse(batch.frame('lobby'))).toEqual({
      type: 'presence-batch',
      room: 'lobby',
      joins: 1,
      leaves: 1,
      joined: [{ id: 'u"1' }],
      left: [{ id: 'u2' }],
      truncated: false,
    });
  });

  it('passes the bus check of the other instances', () => {
    const batch = new PresenceBatch(10, 1_000);
    batch.add('join', 'u1', '"u1"');
    const frame = batch.frame('lobby');
    expect(relayed('lobby', frame)).toBe(frame);
    expect(relayed('other-room', frame)).toBeUndefined();
  });

  it.each([
    ['a negative count', { joins: -1 }],
    ['a fractional count', { leaves: 0.5 }],
    ['users without ids', { joined: [{ name: 'x' }] }],
    ['a list that is not an array', { left: { id: 'x' } }],
    ['truncated that is not a boolean', { truncated: 'no' }],
  ])('is refused from the bus with %s', (_name, change) => {
    const frame = JSON.stringify({
      type: 'presence-batch',
      room: 'lobby',
      joins: 1,
      leaves: 0,
      joined: [{ id: 'u1' }],
      left: [],
      truncated: false,
      ...change,
    });
    expect(relayed('lobby', frame)).toBeUndefined();
  });

  it('cannot be imitated by a relayed envelope (a reserved type)', () => {
    expect(isRelayType('presence-batch')).toBe(false);
    const relayLike = JSON.stringify({ type: 'presence-batch', room: 'lobby', from: { id: 'u1' } });
    expect(relayed('lobby', relayLike)).toBeUndefined();
  });
});
