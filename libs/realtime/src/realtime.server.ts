import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { OpenApiRegistry } from '@kit/http';
import { type Resource, ResourceRegistry } from '@kit/lifespan';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { REALTIME_BROKER } from './realtime.constants';
import { RoomConnections } from './connections/room-connections';
import { RoomRoutes } from './gateway/room-routes';
import { RoomsWsAdapter } from './gateway/rooms-ws.adapter';
import { RealtimeConfigError } from './realtime.errors';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import type { RealtimeBroker } from './realtime-broker.interface';
import type { ResolvedRealtimeOptions } from './realtime-options.interface';
import { registerRealtimeOpenApi } from './realtime-openapi';
import { UpgradeHandler } from './upgrade.handler';

type UpgradeRouting = Server & { shouldUpgradeCallback?: (req: IncomingMessage) => boolean };

/**
 * Lifecycle of the room sockets: opens the broker (as a lifespan resource, so readiness reports
 * it), installs the one `upgrade` listener on the HTTP server, runs the ping and user re-check
 * timers, and at shutdown closes every socket with 1001 before the HTTP server and the broker.
 */
@Injectable()
export class RealtimeServer
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Realtime');
  private server: UpgradeRouting | undefined;
  private previousRouting: ((req: IncomingMessage) => boolean) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private registered = false;
  private readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.upgrade.matches(req)) this.upgrade.handle(req, socket, head);
    else if (this.server && this.server.listenerCount('upgrade') === 1)
      this.upgrade.notFound(req, socket);
  };

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
    private readonly connections: RoomConnections,
    private readonly upgrade: UpgradeHandler,
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: RoomRoutes,
    private readonly adapter: RoomsWsAdapter,
    private readonly appConfig: ApplicationConfig,
    @Optional() private readonly registry?: ResourceRegistry,
    @Optional() private readonly openApi?: OpenApiRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.appConfig.getIoAdapter() !== this.adapter) {
      throw new RealtimeConfigError(
        'app.useWebSocketAdapter()',
        "replaced the kit's adapter, which serves the @RoomGateway classes: remove that call",
      );
    }
    if (this.openApi) {
      for (const route of this.routes.all) registerRealtimeOpenApi(this.openApi, route);
    }
    if (this.registry && isResource(this.broker)) {
      await this.registry.open(this.broker);
      this.registered = true;
    } else {
      await this.broker.open();
    }
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as UpgradeRouting | undefined;
    if (!server) {
      this.logger.warn('no HTTP server: room sockets are not served');
      return;
    }
    this.server = server;
    server.on('upgrade', this.listener);
    const previous = server.shouldUpgradeCallback;
    if (typeof previous === 'function') {
      const matches = (req: IncomingMessage): boolean => this.upgrade.matches(req);
      this.previousRouting = previous;
      // Only our paths become upgrades; any other Upgrade request stays a plain HTTP request
      // for Fastify (or goes to another upgrade listener, if there is one).
      server.shouldUpgradeCallback = function (this: Server, req: IncomingMessage): boolean {
        if (matches(req)) return true;
        return this.listenerCount('upgrade') > 1 && previous.call(this, req);
      };
    }
    this.every(this.options.pingIntervalMs, () => this.connections.pingAll());
    this.every(this.options.userRecheckIntervalMs, () => void this.connections.recheckUsers());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopTimers();
    await this.connections.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopTimers();
    if (this.server) {
      this.server.off('upgrade', this.listener);
      if (this.previousRouting) this.server.shouldUpgradeCallback = this.previousRouting;
      this.server = undefined;
    }
    if (!this.registered) await this.broker.close();
    this.upgrade.wss.close();
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}

function isResource(broker: RealtimeBroker): broker is RealtimeBroker & Resource {
  return typeof (broker as Partial<Resource>).name === 'string' && 'target' in broker;
}
