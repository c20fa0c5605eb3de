import { busMessage, errorFrame, messageFrame, parseBusMessage, presenceFrame } from './envelope';

const LIMIT = 70_000;

describe('envelopes', () => {
  it('serializes a message with the data embedded as sent', () => {
    const frame = messageFrame(
      'lobby',
      'id-1',
      JSON.stringify('u"1'),
      ' [1, {"a": 2}] ',
      '2026-01-01T00:00:00.000Z',
    );
    expect(JSON.parse(frame)).toEqual({
      type: 'message',
      room: 'lobby',
      id: 'id-1',
      from: { id: 'u"1' },
      data: [1, { a: 2 }],
      ts: '2026-01-01T00:00:00.000Z',
    });
  });

  it('serializes presence and errors', () => {
    expect(JSON.parse(presenceFrame('lobby', 'leave', '"u1"'))).toEqual({
      type: 'presence',
      room: 'lobby',
      event: 'leave',
      user: { id: 'u1' },
    });
    expect(JSON.parse(errorFrame('RATE_LIMITED', 'slow "down"'))).toEqual({
      type: 'error',
      error: 'RATE_LIMITED',
      detail: 'slow "down"',
    });
  });
});

describe('parseBusMessage', () => {
  const message = messageFrame('lobby', 'id-1', '"u1"', '{"x":1}', 'ts');
  const join = presenceFrame('lobby', 'join', '"u1"');

  it('reads what busMessage writes', () => {
    expect(parseBusMessage(busMessage('inst-1', 'lobby', message), LIMIT)).toEqual({
      origin: 'inst-1',
      room: 'lobby',
      frame: message,
    });
    expect(parseBusMessage(busMessage('inst-1', 'lobby', join), LIMIT)?.frame).toBe(join);
  });

  it.each([
    ['empty', ''],
    ['no header', message],
    ['another version', `v2\ninst\nlobby\n${message}`],
    ['a bad instance id', `v1\ninst 1\nlobby\n${message}`],
    ['a bad room', `v1\ninst\nlob.by\n${message}`],
    ['a room that differs from the envelope', `v1\ninst\nother\n${message}`],
    ['not JSON', 'v1\ninst\nlobby\n{"type":'],
    ['an array', 'v1\ninst\nlobby\n[]'],
    ['an unknown type', 'v1\ninst\nlobby\n{"type":"shutdown","room":"lobby"}'],
    [
      'a message without data',
      'v1\ninst\nlobby\n{"type":"message","room":"lobby","id":"i","from":{"id":"u"},"ts":"t"}',
    ],
    [
      'a message without sender',
      'v1\ninst\nlobby\n{"type":"message","room":"lobby","id":"i","data":1,"ts":"t"}',
    ],
    [
      'a bad presence event',
      'v1\ninst\nlobby\n{"type":"presence","room":"lobby","event":"boom","user":{"id":"u"}}',
    ],
    [
      'an oversized envelope',
      `v1\ninst\nlobby\n${messageFrame('lobby', 'i', '"u"', JSON.stringify('x'.repeat(LIMIT)), 't')}`,
    ],
  ])('rejects %s', (_name, payload) => {
    expect(parseBusMessage(payload, LIMIT)).toBeUndefined();
  });
});

describe('parseBusMessage: relayed envelopes', () => {
  it('accepts a relay type that says who it is from', () => {
    const frame = '{"type":"typing","room":"lobby","from":{"id":"u1"},"typing":true}';
    expect(parseBusMessage(`v1\ninst\nlobby\n${frame}`, 1_000)).toEqual({
      origin: 'inst',
      room: 'lobby',
      frame,
    });
  });

  it.each([
    ['without a sender', '{"type":"typing","room":"lobby","typing":true}'],
    ['of a reserved type', '{"type":"reply","room":"lobby","from":{"id":"u1"}}'],
    [
      'of a type that is not a lowercase name',
      '{"type":"Typing!","room":"lobby","from":{"id":"u1"}}',
    ],
  ])('rejects one %s', (_name, frame) => {
    expect(parseBusMessage(`v1\ninst\nlobby\n${frame}`, 1_000)).toBeUndefined();
  });
});
