import type { OpenAPIObject } from '@nestjs/swagger';
import { type OpenApiRegistry, PROBLEM_CONTENT_TYPE } from '@kit/http';

const PROBLEM = {
  [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetailsDto' } },
};

const DESCRIPTION = [
  'RFC 6455 WebSocket upgrade (not socket.io). Everything is decided before the upgrade.',
  'Each JSON text message is broadcast to the room as',
  '`{type:"message", room, id, from:{id}, data, ts}` (sender included); joins and leaves as',
  '`{type:"presence", room, event, user:{id}}`; recoverable errors as `{type:"error", error, detail}`',
  '(`INVALID_JSON`, `JSON_TOO_DEEP`, `RATE_LIMITED`). Close codes: 1001 shutdown, 1003 binary frame, 1008 abuse or',
  'policy, 1009 message too big, 1013 slow consumer, 4001 token expired or user deactivated.',
].join(' ');

/** Documents `GET <path>/{room}` (the upgrade), which no controller declares. */
export function registerRealtimeOpenApi(registry: OpenApiRegistry, path: string): void {
  registry.addTransform((document: OpenAPIObject) => {
    document.paths[`${path}/{room}`] = {
      get: {
        tags: ['realtime'],
        summary: 'Join a room over a WebSocket',
        description: DESCRIPTION,
        operationId: 'joinRoom',
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
            description: 'Access token, for clients that cannot set Authorization (browsers)',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '101': { description: 'Switching Protocols: the socket is in the room' },
          '400': { description: 'Bad room name or handshake', content: PROBLEM },
          '401': { description: 'Missing, invalid or expired token', content: PROBLEM },
          '403': { description: 'Origin not allowed, or room not permitted', content: PROBLEM },
          '426': { description: 'WebSocket version other than 13', content: PROBLEM },
          '503': { description: 'At capacity or shutting down', content: PROBLEM },
        },
      },
    };
  });
}
