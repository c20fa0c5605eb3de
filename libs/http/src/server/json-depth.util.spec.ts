import { jsonDepthExceeds } from './json-depth.util';

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays alike', () => {
    expect(jsonDepthExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('treats scalars and empty input as depth 0', () => {
    expect(jsonDepthExceeds('1', 0)).toBe(false);
    expect(jsonDepthExceeds('', 0)).toBe(false);
    expect(jsonDepthExceeds('[]', 0)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":"\\"[[[[","b":1}', 1)).toBe(false);
    expect(jsonDepthExceeds('["\\\\",[[1]]]', 2)).toBe(true);
    expect(jsonDepthExceeds('["\\\\\\"[[",1]', 1)).toBe(false);
    expect(jsonDepthExceeds('["\\\\\\\\",[1]]', 1)).toBe(true);
  });

  it('treats an unterminated string as running to the end', () => {
    expect(jsonDepthExceeds('["[[[[', 1)).toBe(false);
  });

  it('measures depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 1000 }, () => '[1]').join(',')}]`;
    expect(jsonDepthExceeds(wide, 2)).toBe(false);
  });

  it('refuses 1,500 nested arrays at the default bound', () => {
    const deep = '['.repeat(1500) + ']'.repeat(1500);
    expect(jsonDepthExceeds(deep, 64)).toBe(true);
    expect(jsonDepthExceeds('['.repeat(64) + ']'.repeat(64), 64)).toBe(false);
  });
});
