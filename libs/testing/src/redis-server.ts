import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { waitFor } from './wait-for';

/** A port the OS says is free now (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port was assigned');
  return address.port;
}

/**
 * A `redis-server` this test owns, on a free port, without persistence: `stop()` takes it away
 * (an outage), `start()` brings it back on the same port. Never the shared Redis.
 */
export class OwnRedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  private constructor(readonly port: number) {}

  /** Starts one on a free port and resolves once it answers PING (within `withinMs`). */
  static async start(withinMs = 10_000): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort());
    await server.start(withinMs);
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts it on its port; resolves once it answers PING. */
  async start(withinMs = 10_000): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(() => this.answers(), {
      timeoutMs: withinMs,
      intervalMs: 20,
      description: `redis-server on port ${this.port} to answer PING`,
    });
  }

  /** SIGSTOP: connections stay open but nothing answers (a hung server or a silent network). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT: it answers again. */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills it (SIGKILL: clients see the connection drop) and waits for it to exit. Safe twice. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** One raw `PING` over TCP: true on `+PONG`, false on refusal or anything else. */
  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      let reply = '';
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString('latin1');
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
    });
  }
}
