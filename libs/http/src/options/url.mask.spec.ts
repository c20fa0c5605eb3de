import { maskUrl } from './url.mask';

describe('maskUrl', () => {
  it('masks the password of a URL', () => {
    expect(maskUrl('postgres://postgres:s3cret@127.0.0.1:5432/test')).toBe(
      'postgres://postgres:****@127.0.0.1:5432/test',
    );
  });

  it('masks a percent-encoded password containing @ and :', () => {
    const masked = maskUrl('postgres://app:p%40ss%3Aw0rd@db:5432/app');
    expect(masked).toBe('postgres://app:****@db:5432/app');
  });

  it('masks a password given as a query parameter', () => {
    expect(maskUrl('postgres://app@db/app?sslmode=require&password=s3cret')).toBe(
      'postgres://app@db/app?sslmode=require&password=****',
    );
  });

  it('leaves a URL without a password unchanged', () => {
    expect(maskUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('masks an unparsable URL up to its last @', () => {
    // Port 99999 makes the WHATWG parser refuse it; the fallback still hides the password.
    const masked = maskUrl('postgres://app:pa@ss@w0rd@db:99999/app');
    expect(masked).toBe('postgres://app:****@db:99999/app');
    expect(masked).not.toContain('w0rd');
  });

  it('masks a password query parameter of an unparsable URL', () => {
    expect(maskUrl('postgres://db:99999/app?password=s3cret')).toBe(
      'postgres://db:99999/app?password=****',
    );
  });

  it('returns a path that is not a URL as is', () => {
    expect(maskUrl('/var/lib/app/app.db')).toBe('/var/lib/app/app.db');
  });
});
