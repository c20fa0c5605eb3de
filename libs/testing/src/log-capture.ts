import { Writable } from 'node:stream';

/** An in-memory log destination: every JSON line the app writes, parsed, for assertions. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  private raw = '';

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.raw += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.raw.indexOf('\n')) >= 0) {
      const line = this.raw.slice(0, nl);
      this.raw = this.raw.slice(nl + 1);
      if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }

  /** Every line written so far, as text (for "this secret never appears" checks). */
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n') + this.raw;
  }
}
