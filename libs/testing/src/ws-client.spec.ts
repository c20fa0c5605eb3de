import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { WsTestClient } from './ws-client';

// WsTestClient.emit against a real ws server that answers event frames: a presence-like noise
// message first, then (for "echo") a reply, (for "fail") an error, (for "close") a close,
// (for "mute") nothing.

interface Frame {
  event: string;
  data: unknown;
  id: string;
}

function answer(socket: WebSocket, frame: Frame): void {
  socket.send(JSON.stringify({ type: 'message', data: 'noise', id: 'not-the-frame' }));
  switch (frame.event) {
    case 'echo':
      socket.send(JSON.stringify({ type: 'reply', event: 'echo', id: 'other', data: 'wrong' }));
      socket.send(JSON.stringify({ type: 'reply', event: 'echo', id: frame.id, data: frame.data }));
      return;
    case 'fail':
      socket.send(JSON.stringify({ type: 'error', error: 'NOPE', event: 'fail', id: frame.id }));
      return;
    case 'close':
      socket.close(4000, 'bye');
      return;
    default:
  }
}

describe('WsTestClient.emit', () => {
  let http: Server;
  let wss: WebSocketServer;
  let url: string;
  const frames: Frame[] = [];
  let client: WsTestClient | undefined;

  beforeAll(async () => {
    http = createServer();
    wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => {
      socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as Frame;
        frames.push(frame);
        answer(socket, frame);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await new Promise((resolve) => wss.close(resolve));
    await new Promise((resolve) => http.close(resolve));
  });

  it('sends {event, data, id} with a fresh id and resolves with the reply carrying it', async () => {
    client = await WsTestClient.connect(url, '/');
    const reply = await client.emit('echo', { n: 1 });
    const sent = frames.at(-1) as Frame;
    expect(sent).toEqual({ event: 'echo', data: { n: 1 }, id: expect.any(String) });
    expect(reply).toEqual({ type: 'reply', event: 'echo', id: sent.id, data: { n: 1 } });
    const again = await client.emit('echo', 2);
    expect((frames.at(-1) as Frame).id).not.toBe(sent.id);
    expect(again.data).toBe(2);
  });

  it('uses the given id and resolves with an error envelope too', async () => {
    client = await WsTestClient.connect(url, '/');
    expect(await client.emit('fail', null, { id: 'f-1' })).toEqual({
      type: 'error',
      error: 'NOPE',
      event: 'fail',
      id: 'f-1',
    });
  });

  it('rejects when no answer comes within the timeout', async () => {
    client = await WsTestClient.connect(url, '/');
    await expect(client.emit('mute', 1, { timeoutMs: 200 })).rejects.toThrow(
      /no answer to event "mute" .* within 200 ms/,
    );
  });

  it('rejects when the socket closes first', async () => {
    client = await WsTestClient.connect(url, '/');
    await expect(client.emit('close')).rejects.toThrow(/socket closed with 4000 before/);
  });
});
