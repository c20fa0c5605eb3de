import { generateRequestId, newRequestId, REQUEST_ID_PATTERN } from './request-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const withId = (value: string | string[] | undefined) => ({
  headers: { 'x-request-id': value },
});

describe('generateRequestId', () => {
  it.each(['a', 'abc-123', 'req_1.2:3-4', '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f', 'x'.repeat(128)])(
    'keeps the well-formed incoming id %p',
    (id) => {
      expect(generateRequestId(withId(id))).toBe(id);
    },
  );

  it.each([
    ['129 characters', 'x'.repeat(129)],
    ['8 KB', 'x'.repeat(8192)],
    ['empty', ''],
    ['a space', 'has space'],
    ['a joined duplicate', 'aaa, bbb'],
    ['percent-encoded CRLF', 'abc%0D%0Ainjected'],
    ['a raw CRLF', 'abc\r\ninjected'],
    ['a trailing newline', 'abc\n'],
    ['non-ASCII', 'café'],
    ['a slash', '../../etc/passwd'],
    ['markup', '<script>'],
    ['JSON', '{"a":1}'],
  ])('replaces an id with %s by a new UUID', (_what, id) => {
    const out = generateRequestId(withId(id));
    expect(out).toMatch(UUID_V4);
    expect(out).not.toBe(id);
  });

  it('replaces an array value (a duplicated header kept apart)', () => {
    expect(generateRequestId(withId(['aaa', 'bbb']))).toMatch(UUID_V4);
  });

  it('generates a UUID when there is no header', () => {
    expect(generateRequestId({ headers: {} })).toMatch(UUID_V4);
  });

  it('generates a different id every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => generateRequestId({ headers: {} })));
    expect(ids.size).toBe(1000);
  });

  it('exports the pattern it checks', () => {
    expect(REQUEST_ID_PATTERN.test('x'.repeat(128))).toBe(true);
    expect(REQUEST_ID_PATTERN.test('x'.repeat(129))).toBe(false);
    expect(REQUEST_ID_PATTERN.test('abc\n')).toBe(false);
  });
});

describe('newRequestId', () => {
  it('gives version 4 UUIDs, all different', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
