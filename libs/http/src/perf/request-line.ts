import type { FdLogDestination } from './fd-log.destination';

/** The fields of the one line logged per request (`request completed`). */
export interface RequestLine {
  reqId: string;
  method: string;
  url: string;
  statusCode: number;
  durationMs: number;
}

/**
 * Hand-built `request completed` line, written straight to the kit's `FdLogDestination`: the
 * same JSON line (keys, their order and values) as
 * `logger.info({ reqId, method, url, statusCode, durationMs }, 'request completed')` from
 * `createPinoLogger()` (a spec compares the two), without pino's mixin, redaction and generic
 * serialization, which a line whose fields are all known does not need. The caller checks the
 * level and redacts the URL.
 *
 * Why hand-written (issue 12 keeps one only at >= 3% of a request's server CPU): the library
 * path (`pino.destination()` + this line through `logger.info()`, a2040ef) against this line
 * and `FdLogDestination` together (31b33ff), `npm run bench -- --ref=pre=31b33ff
 * --ref=dest=p-swap-pino-destination --ref=line=p-swap-pino-request-line ... --rounds=8
 * --duration=3`, two runs: `kit-info` +13.6% and +13.2% CPU/request per round, `kit-warn`
 * +8.7% / +6.0%. Alone, this line and the destination cannot be told apart within the noise;
 * together they save well over 3% at `info`. See bench/README.md, "Library or hand-written".
 * This code against the library path (d94bae0), `npm run bench -- --ref=lib=d94bae0
 * --only=kit-info,kit-warn,kit-info@lib,kit-warn@lib --rounds=8 --duration=3 --no-build`, one
 * run, load 1.5-4.8: the library −2.5% CPU/request at `kit-info` (per round −12.3%), but also
 * −9.3% (−9.8%) at `kit-warn`, where both run the same code (no line logged): that run did not
 * separate the two, so the saving rests on the two runs above.
 */
export function createFdRequestLineWriter(
  stream: FdLogDestination,
  infoLevel: number,
): (line: RequestLine) => void {
  const level = `{"level":${infoLevel},"time":`;
  const base = `,"pid":${process.pid}`;
  return (line) => {
    stream.write(
      `${level}${Date.now()}${base},"reqId":${JSON.stringify(line.reqId)},"method":${JSON.stringify(line.method)},"url":${JSON.stringify(line.url)},"statusCode":${line.statusCode},"durationMs":${Number.isFinite(line.durationMs) ? line.durationMs : null},"msg":"request completed"}\n`,
    );
  };
}
