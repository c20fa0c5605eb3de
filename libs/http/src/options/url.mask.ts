/**
 * A connection URL with its password replaced by `****` (in the user info and in a `password`
 * query parameter), safe for logs and error messages.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '****');
    return parsed.toString();
  } catch {
    // Unparsable: mask everything between `user:` and the last `@`, erring on the safe side.
    return url
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):.*@/i, '$1:****@')
      .replace(/([?&]password=)[^&#]*/gi, '$1****');
  }
}
