import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './problem';

export interface SocketProblem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** `performance.now()` when handling began: the response's `X-Process-Time-Ms` counts from it. */
  readonly startedAt?: number;
}

/** Milliseconds to two decimals, as the timing headers carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * `X-Process-Time-Ms` and `Server-Timing` as raw header lines, for responses written without a
 * Fastify reply; `startedAt` is a `performance.now()` reading (none: 0 ms).
 */
export function timingHeaderLines(startedAt: number | undefined): string[] {
  const dur = startedAt === undefined ? 0 : roundMs(performance.now() - startedAt);
  return [`X-Process-Time-Ms: ${dur}`, `Server-Timing: app;dur=${dur}`];
}

/**
 * Answers on a raw socket, where there is no Fastify reply (a request Node could not parse, a
 * refused WebSocket upgrade): a complete problem+json response with the request id and the
 * kit's timing and security headers, then the connection is closed.
 */
export function writeSocketProblem(socket: Duplex, typeBase: string, problem: SocketProblem): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(
    buildProblem(typeBase, {
      status: problem.status,
      code: problem.code,
      detail: problem.detail,
      requestId: problem.requestId,
    }),
  );
  const lines = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
    'Connection: close',
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${problem.requestId}`,
    ...timingHeaderLines(problem.startedAt),
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
  ];
  for (const [name, value] of Object.entries(problem.headers ?? {}))
    lines.push(`${name}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
