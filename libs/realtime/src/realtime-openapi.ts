import type { ContentObject, OpenAPIObject } from '@nestjs/swagger';
import { DEFAULT_PROBLEM_TYPE_BASE, PROBLEM_CONTENT_TYPE } from '@kit/http';
import { type OpenApiRegistry, problemTypeOf, titleForStatus } from '@kit/http/internal';
import type { RoomRoute } from './gateway/room-route';
import { Rejections, type UpgradeRejection } from './upgrade-rejection';

const EXAMPLE_REQUEST_ID = '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f';

/** The upgrade's description; `example` is the gateway's path for the room `lobby`. */
const description = (example: string): string =>
  [
    'RFC 6455 WebSocket upgrade (not socket.io), decided before the upgrade. Connect with a',
    `WebSocket client, e.g. \`new WebSocket("wss://<host>${example}?token=<access token>")\` in a`,
    `browser or \`wscat -c "ws://<host>${example}" -H "Authorization: Bearer <access token>"\`.`,
    "Swagger UI's Try it out sends a plain GET (no `Upgrade: websocket`): that gets 404 `NOT_FOUND`,",
    'as this path serves nothing but upgrades.',
    'Each JSON text message is broadcast to the room as',
    '`{type:"message", room, id, from:{id}, data, ts}` (sender included); joins and leaves as',
    '`{type:"presence", room, event, user:{id}}` (in a room with more than 100 sockets on an instance,',
    'by default, joins and leaves come batched, at most one frame per second:',
    '`{type:"presence-batch", room, joins, leaves, joined:[{id}], left:[{id}], truncated}`, the counts',
    'exact, the user lists capped); recoverable errors as `{type:"error", error, detail}`',
    '(`INVALID_JSON`, `JSON_TOO_DEEP`, `RATE_LIMITED`). Close codes: 1001 shutdown, 1003 binary frame,',
    '1008 abuse or policy, 1009 message too big, 1013 slow consumer, 4001 token expired or user',
    'deactivated.',
  ].join(' ');

const EVENT_PROTOCOL = [
  '\n\n**Events.** A frame `{"event": "<name>", "data": <any JSON>, "id": "<optional correlation id,',
  '[A-Za-z0-9._:-]{1,64}>"}` naming one of the events below goes to that handler instead of the',
  'room, in its own request context, through its guards and validation. What it returns comes back',
  'to the sender only as `{type:"reply", event, id, data}`; a refusal or failure as',
  '`{type:"error", error, status, detail, event, id}` and the socket stays open: `FORBIDDEN` (403)',
  'when a guard refuses, `VALIDATION_FAILED` (400) with `errors: [{field, message}]` as in the HTTP',
  'problems, a domain error with its own code, `MESSAGE_FAILED` (500, logged with the quoted request',
  'id) for anything else. A frame whose `event` names no event is a message like any other.',
].join(' ');

/** One problem+json example per refusal, under its code, for the status that carries it. */
function problemContent(...rejections: UpgradeRejection[]): ContentObject {
  const examples: Record<string, { summary: string; value: Record<string, unknown> }> = {};
  for (const r of rejections) {
    examples[examples[r.code] ? `${r.code}_${Object.keys(examples).length}` : r.code] = {
      summary: r.detail,
      value: {
        // The app's own base replaces the default when the document is built.
        type: problemTypeOf(DEFAULT_PROBLEM_TYPE_BASE, r.code),
        title: titleForStatus(r.status),
        status: r.status,
        detail: r.detail,
        error: r.code,
        request_id: EXAMPLE_REQUEST_ID,
      },
    };
  }
  return {
    [PROBLEM_CONTENT_TYPE]: {
      schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
      examples,
    },
  };
}

/** Documents a gateway's `GET <path>` (the upgrade), which no controller declares. */
export function registerRealtimeOpenApi(registry: OpenApiRegistry, route: RoomRoute): void {
  const path = route.path.openApiPath;
  // What the router answers a plain GET (see routeNotFound in @kit/http).
  const plainGet: UpgradeRejection = {
    status: 404,
    code: 'NOT_FOUND',
    detail: `Cannot GET ${path.replace('{room}', 'lobby')}`,
  };
  const text = `${description(path.replace('{room}', 'lobby'))}${EVENT_PROTOCOL}${route.docs.description ? `\n\n${route.docs.description}` : ''}`;
  registry.addTransform((document: OpenAPIObject) => {
    document.paths[path] = {
      get: {
        tags: ['realtime'],
        summary: 'Join a room over a WebSocket',
        description: text,
        operationId: route.docs.operationId ?? `join${route.gatewayName}`,
        parameters: [
          {
            name: 'room',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
          {
            name: 'token',
            in: 'query',
            required: false,
            description:
              'Access token, for clients that cannot set Authorization (browsers); read when ' +
              'there is no `Authorization: Bearer` header (a header wins over it)',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '101': { description: 'Switching Protocols: the socket is in the room' },
          '400': {
            description: 'Bad room name or handshake',
            content: problemContent(
              Rejections.invalidRoom,
              Rejections.notWebSocket,
              Rejections.badKey,
            ),
          },
          '401': {
            description: 'Missing, invalid or expired token',
            content: problemContent(Rejections.tokenMissing, Rejections.tokenInvalid),
          },
          '403': {
            description: 'Origin not allowed, or room not permitted',
            content: problemContent(Rejections.originForbidden, Rejections.roomForbidden),
          },
          '404': {
            description: 'A plain GET without `Upgrade: websocket` (what Try it out sends)',
            content: problemContent(plainGet),
          },
          '426': {
            description: 'WebSocket version other than 13',
            content: problemContent(Rejections.badVersion),
          },
          '503': {
            description: 'At capacity, shutting down, or the checks took too long',
            content: problemContent(
              Rejections.atCapacity,
              Rejections.tooManyRooms,
              Rejections.shuttingDown,
              Rejections.handshakeTimeout,
            ),
          },
        },
      },
    };
  });
}
