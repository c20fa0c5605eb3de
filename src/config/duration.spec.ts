import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['14d', 1_209_600_000],
    ['45', 45_000],
    [' 5s ', 5_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'forever', '-1', '1.5s', '10 s', '1w', '1234567890s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
