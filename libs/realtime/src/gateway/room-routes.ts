import { Injectable } from '@nestjs/common';
import type { RoomRoute } from './room-route';

/** Which gateway serves a request path, and the room it names. */
export type RouteMatch =
  | { readonly route: RoomRoute; readonly room: string }
  | { readonly route: RoomRoute; readonly room: undefined };

/** The gateways' paths on this instance, filled by the adapter while Nest connects gateways. */
@Injectable()
export class RoomRoutes {
  private routes: RoomRoute[] = [];

  get all(): readonly RoomRoute[] {
    return this.routes;
  }

  add(route: RoomRoute): void {
    this.routes.push(route);
  }

  remove(route: RoomRoute): void {
    this.routes = this.routes.filter((r) => r !== route);
  }

  /**
   * The gateway for a request path (no query): a path naming a valid room wins; otherwise the
   * first gateway whose prefix it is under (its room is then invalid: 400); else undefined (404).
   */
  match(path: string): RouteMatch | undefined {
    let invalid: RoomRoute | undefined;
    for (const route of this.routes) {
      const m = route.path.match(path);
      if (m.kind === 'room') return { route, room: m.room };
      if (m.kind === 'invalid-room') invalid ??= route;
    }
    return invalid ? { route: invalid, room: undefined } : undefined;
  }
}
