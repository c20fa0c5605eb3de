import { createServer, type Server, type Socket, connect } from 'node:net';
import { SendQueue } from './frame-writer';

// SendQueue on a real TCP connection whose reader is paused: frames go straight to the socket
// until it pushes back, then wait in the queue, in order, bounded by the cap.

const OPEN = 1;
const CLOSING = 2;

interface Pair {
  server: Server;
  writer: Socket;
  reader: Socket;
}

async function socketPair(): Promise<Pair> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const reader = connect(port, '127.0.0.1');
  reader.pause();
  const writer = await accepted;
  return { server, writer, reader };
}

/** Reads everything the writer sends until it ends. */
function readAll(reader: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  reader.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) =>
    reader.on('end', () => resolve(Buffer.concat(chunks))),
  );
  reader.resume();
  return done;
}

const FRAME = 32 * 1024;

/** Pushes 32 KiB frames, each filled with its index, until one is queued; returns how many. */
function fillSocket(queue: SendQueue, cap: number): number {
  for (let i = 0; i < 10_000; i++) {
    queue.push(Buffer.alloc(FRAME, i % 251), cap);
    if (queue.queuedBytes > 0) return i + 1;
  }
  throw new Error('the socket never pushed back');
}

/** Polls until the queue is empty, for at most `ms`. */
async function emptied(queue: SendQueue, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (queue.queuedBytes > 0) {
    if (Date.now() > deadline) throw new Error(`${queue.queuedBytes} bytes still queued`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SendQueue', () => {
  let pair: Pair;
  const ws = { readyState: OPEN };

  beforeEach(async () => {
    ws.readyState = OPEN;
    pair = await socketPair();
  }, 5_000);
  afterEach(async () => {
    pair.writer.destroy();
    pair.reader.destroy();
    await new Promise((resolve) => pair.server.close(resolve));
  }, 5_000);

  it('writes straight to the socket until it pushes back, then queues in order', async () => {
    const queue = new SendQueue(pair.writer, ws);
    const cap = 64 * 1024 * 1024;
    const pushed = fillSocket(queue, cap);
    // The socket holds at most its high-water mark and one frame; the rest waits here.
    expect(queue.socketBytes).toBeLessThanOrEqual(pair.writer.writableHighWaterMark + FRAME);
    for (let i = pushed; i < pushed + 10; i++) queue.push(Buffer.alloc(FRAME, i % 251), cap);
    expect(queue.queuedBytes).toBe(11 * FRAME);
    const all = readAll(pair.reader);
    await emptied(queue, 10_000);
    pair.writer.end();
    const bytes = await all;
    expect(bytes.length).toBe((pushed + 10) * FRAME);
    for (let i = 0; i < pushed + 10; i++) expect(bytes[i * FRAME]).toBe(i % 251);
  }, 20_000);

  it('refuses a frame that would pass the cap, queueing nothing', () => {
    const queue = new SendQueue(pair.writer, ws);
    const cap = 8 * 1024 * 1024;
    fillSocket(queue, cap);
    let accepted = 0;
    while (accepted < 1_000 && queue.push(Buffer.alloc(FRAME), cap)) accepted++;
    expect(accepted).toBeLessThan(1_000);
    const held = queue.queuedBytes;
    expect(held + queue.socketBytes + FRAME).toBeGreaterThan(cap);
    expect(queue.push(Buffer.alloc(FRAME), cap)).toBe(false);
    expect(queue.queuedBytes).toBe(held);
    expect(queue.queuedBytes + queue.socketBytes).toBeLessThanOrEqual(cap);
  }, 10_000);

  it('drops its frames, and writes none once the WebSocket is no longer open', async () => {
    const queue = new SendQueue(pair.writer, ws);
    const pushed = fillSocket(queue, 64 * 1024 * 1024) + 1;
    queue.push(Buffer.alloc(FRAME), 64 * 1024 * 1024);
    const held = queue.queuedBytes;
    expect(held).toBe(2 * FRAME);
    ws.readyState = CLOSING;
    const all = readAll(pair.reader);
    pair.writer.once('drain', () => pair.writer.end());
    const bytes = await all;
    expect(bytes.length).toBe(pushed * FRAME - held);
    expect(queue.queuedBytes).toBe(0);
    queue.drop();
    expect(queue.queuedBytes).toBe(0);
  }, 20_000);
});
