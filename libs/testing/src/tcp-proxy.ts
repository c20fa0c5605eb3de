import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A real TCP proxy on 127.0.0.1 for outage tests: forwards to a target, and can be stopped
 * (listener closed, every connection destroyed) and restarted on the same port, forwarding or
 * swallowing connections.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'blackhole' = 'forward';
  private boundPort = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts a proxy to `host:port` on an ephemeral port. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(host, port);
    await proxy.listen(0);
    return proxy;
  }

  /** Starts a proxy to the host and port of `targetUrl` (`defaultPort` when it names none). */
  static forUrl(targetUrl: string, defaultPort: number): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    return TcpProxy.start(url.hostname, Number(url.port || defaultPort));
  }

  get port(): number {
    return this.boundPort;
  }

  /** `targetUrl` with the proxy's address in place of the target's. */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.boundPort);
    return url.toString();
  }

  /** Connections currently open through the proxy (both sides counted). */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Closes the listener and destroys every connection; resolves once the listener is closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Stops, then listens again on the same port: forwarding, or with `blackhole`, accepting
   * connections and never answering them, as a host behind a dropping firewall does.
   */
  async restart(mode: 'forward' | 'blackhole' = 'forward'): Promise<void> {
    await this.stop();
    this.mode = mode;
    await this.listen(this.boundPort);
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        this.boundPort = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') return;
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const destroyBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', destroyBoth);
    upstream.on('close', destroyBoth);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
