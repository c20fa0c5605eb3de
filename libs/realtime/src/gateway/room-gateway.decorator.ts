import { type Type, UseFilters } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { RoomExceptionFilter } from './room-exception.filter';
import { RoomPath } from './room-path';

/** Key of the gateway class in the options Nest hands to the adapter. */
export const ROOM_GATEWAY_TYPE = Symbol.for('kit.realtime.gatewayType');

/** Options of `@RoomGateway()`. */
export interface RoomGatewayOptions {
  /**
   * Path template of the room sockets on the HTTP server's port: static segments around one
   * `:room` parameter, e.g. `/ws/:room`. Each gateway has its own path.
   */
  path: string;
  /**
   * Markdown appended to the OpenAPI description of `GET <path>` (the upgrade), e.g. this
   * gateway's events and their payloads. @default none
   */
  description?: string;
  /** OpenAPI `operationId` of the upgrade. @default `join` + the class name without `Gateway` */
  operationId?: string;
}

/** Key of the compiled path template in those options. */
export const ROOM_GATEWAY_PATH = Symbol.for('kit.realtime.gatewayPath');

/** The options Nest stores for the gateway and passes to the kit's adapter. */
export interface RoomGatewayMetadata extends RoomGatewayOptions {
  readonly [ROOM_GATEWAY_TYPE]: Type<unknown>;
  readonly [ROOM_GATEWAY_PATH]: RoomPath;
}

/**
 * A class of room sockets: Nest's `@WebSocketGateway()` served by the kit's adapter on the HTTP
 * port at a path template, decided before the upgrade (token, Origin, room name, the class's
 * `canJoin()`, capacity). Its `@SubscribeMessage()` handlers run through Nest's guards, pipes,
 * interceptors and filters per message; failures are answered with the kit's error envelope
 * (`RoomExceptionFilter`, which runs after the class's and methods' own filters).
 */
export function RoomGateway(options: RoomGatewayOptions): ClassDecorator {
  // A bad template fails where the class is declared, before anything boots.
  const compiled = new RoomPath(options.path);
  return (target) => {
    const metadata: RoomGatewayMetadata = {
      path: options.path,
      description: options.description,
      operationId: options.operationId,
      [ROOM_GATEWAY_TYPE]: target as unknown as Type<unknown>,
      [ROOM_GATEWAY_PATH]: compiled,
    };
    WebSocketGateway(metadata)(target);
    // Filters run from the last declared to the first: declared first, the kit's runs last, so
    // a gateway's own @UseFilters() (above or below this decorator) takes precedence.
    prependClassFilter(target, ROOM_EXCEPTION_FILTER);
  };
}

const ROOM_EXCEPTION_FILTER = new RoomExceptionFilter();

/**
 * `UseFilters()` appends to the class's filters; the list it wrote (Nest's own metadata, found
 * by holding our filter last) is rewritten with ours first, whatever was declared before.
 */
function prependClassFilter(target: object, filter: RoomExceptionFilter): void {
  UseFilters(filter)(target as Type<unknown>);
  for (const key of Reflect.getOwnMetadataKeys(target)) {
    const list: unknown = Reflect.getOwnMetadata(key, target);
    if (Array.isArray(list) && list.at(-1) === filter) {
      Reflect.defineMetadata(key, [filter, ...list.slice(0, -1)], target);
      return;
    }
  }
}
