import type { Writable } from 'node:stream';
import * as ws from 'ws';

// ws exports its Receiver at runtime; @types/ws does not declare it.
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};
import { textFrame } from './frame-writer';

/** Parses frames with ws's own receiver (client side: server frames are unmasked). */
function parse(frame: Buffer): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) =>
      resolve({ text: data.toString(), isBinary }),
    );
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('textFrame', () => {
  it.each([
    ['a short payload (7-bit length)', 5, 2],
    ['125 bytes, the last 7-bit length', 125, 2],
    ['126 bytes (16-bit length)', 126, 4],
    ['65535 bytes, the last 16-bit length', 65_535, 4],
    ['65536 bytes (64-bit length)', 65_536, 10],
  ])('frames %s as one final text frame', async (_name, size, header) => {
    const payload = Buffer.from('x'.repeat(size));
    const frame = textFrame(payload);
    expect(frame.length).toBe(size + header);
    expect(frame[0]).toBe(0x81);
    expect(await parse(frame)).toEqual({ text: payload.toString(), isBinary: false });
  });
});
