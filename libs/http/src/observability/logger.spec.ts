import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FdLogDestination } from '../perf/fd-log.destination';
import {
  closeLogDestination,
  createPinoLogger,
  createRequestLineWriter,
  exitOnUncaughtException,
  flushLogsSync,
  redactUrl,
  type RequestLine,
} from './logger';

describe('redactUrl', () => {
  it.each([
    ['/ws/room?token=abc.def.ghi', '/ws/room?token=[REDACTED]'],
    ['/x?a=1&token=abc&b=2', '/x?a=1&token=[REDACTED]&b=2'],
    ['/x?TOKEN=abc', '/x?TOKEN=[REDACTED]'],
    ['/x?token=abc&token=def', '/x?token=[REDACTED]&token=[REDACTED]'],
    ['/x?access_token=a&refresh_token=b', '/x?access_token=[REDACTED]&refresh_token=[REDACTED]'],
    [
      '/x?api_key=a&apikey=b&key=c&password=d',
      '/x?api_key=[REDACTED]&apikey=[REDACTED]&key=[REDACTED]&password=[REDACTED]',
    ],
    ['/x?token=', '/x?token=[REDACTED]'],
    ['/x?token=a%26b%3Dc', '/x?token=[REDACTED]'],
    // The query parser decodes names, so the handler reads these as `token`.
    ['/x?%74oken=abc', '/x?%74oken=[REDACTED]'],
    ['/x?Tok%65N=abc', '/x?Tok%65N=[REDACTED]'],
    // Wider names.
    ['/x?jwt=abc&pwd=def', '/x?jwt=[REDACTED]&pwd=[REDACTED]'],
    ['/x?client_secret=abc&X-API-Key=def', '/x?client_secret=[REDACTED]&X-API-Key=[REDACTED]'],
    ['/x?authorization=Bearer%20abc', '/x?authorization=[REDACTED]'],
    // By value, under innocent names.
    ['/x?ref=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln&a=1', '/x?ref=[REDACTED]&a=1'],
    ['/x?h=Bearer%20abc', '/x?h=[REDACTED]'],
    ['/x?h=bearer+abc', '/x?h=[REDACTED]'],
    ['/x?h=Basic%20dXNlcjpwYXNz', '/x?h=[REDACTED]'],
    [`/x?k=kit_AbCd1234_${'s'.repeat(43)}`, '/x?k=[REDACTED]'],
  ])('redacts %p', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    '/x',
    '/x?page=2&sort=name',
    '/x?mytoken=visible&tokens=visible',
    '/token=visible/path',
    '/x?token',
    '/x?%E0%A4%A=bad-encoding',
    '/x?q=eyJ-not-a-jwt&b=bearer&k=kit_short&e=example',
    '/x?name=Bertha+Basic&kind=kitten',
  ])('leaves %p unchanged', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** The kit's own destination, on a file: what it holds is written there only when flushed. */
function fileCapture(): {
  destination: FdLogDestination;
  lines: () => Record<string, unknown>[];
  close: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'kit-logger-'));
  const path = join(dir, 'log');
  const fd = openSync(path, 'w');
  const destination = new FdLogDestination(fd, { minLength: 16 * 1024 });
  return {
    destination,
    lines: () =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () => {
      destination.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('createPinoLogger', () => {
  it('redacts credential headers and token fields', () => {
    const out = capture();
    const logger = createPinoLogger({ logLevel: 'info', logDestination: out.stream });
    logger.info({
      headers: { authorization: 'Bearer s1', 'x-api-key': 's2', cookie: 's3', accept: '*/*' },
      req: { headers: { authorization: 'Bearer s4' } },
      token: 's5',
      password: 's6',
      body: { refresh_token: 's7', password: 's8' },
      query: { token: 's9', page: '2' },
      dto: { api_key: 's10' },
    });
    const text = JSON.stringify(out.lines());
    for (const secret of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']) {
      expect(text).not.toContain(`"${secret}`);
      expect(text).not.toContain(` ${secret}`);
    }
    expect(out.lines()[0]).toMatchObject({
      headers: {
        authorization: '[REDACTED]',
        'x-api-key': '[REDACTED]',
        cookie: '[REDACTED]',
        accept: '*/*',
      },
      token: '[REDACTED]',
      query: { token: '[REDACTED]', page: '2' },
    });
  });

  it('redacts values that look like credentials under any name, keeping ordinary ones', () => {
    const out = capture();
    const logger = createPinoLogger({ logLevel: 'info', logDestination: out.stream });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const apiKey = `kit_AbCd1234_${'s'.repeat(43)}`;
    const fields = {
      ref: jwt,
      header: 'Bearer x',
      note: apiKey,
      context: { upstream: 'basic dXNlcjpwYXNz', page: 2, label: 'bearer' },
      client_secret: 'named-secret',
      pwd: 'named-pwd',
      name: 'Bertha',
      kind: 'kitten',
      e: 'eyJ-not-a-jwt',
    };
    logger.info(fields, 'called upstream');
    expect(out.lines()[0]).toMatchObject({
      ref: '[REDACTED]',
      header: '[REDACTED]',
      note: '[REDACTED]',
      context: { upstream: '[REDACTED]', page: 2, label: 'bearer' },
      client_secret: '[REDACTED]',
      pwd: '[REDACTED]',
      name: 'Bertha',
      kind: 'kitten',
      e: 'eyJ-not-a-jwt',
      msg: 'called upstream',
    });
    // The caller's object is left as it was.
    expect(fields.ref).toBe(jwt);
    expect(fields.context.upstream).toBe('basic dXNlcjpwYXNz');
  });

  it('serializes a request as method and redacted url only', () => {
    const out = capture();
    const logger = createPinoLogger({ logLevel: 'info', logDestination: out.stream });
    logger.info({
      req: { method: 'GET', url: '/x?token=s9', headers: { cookie: 'c' } },
    });
    expect(out.lines()[0]?.req).toEqual({ method: 'GET', url: '/x?token=[REDACTED]' });
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createPinoLogger({ logLevel: 'warn', logDestination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  describe('createRequestLineWriter', () => {
    const lines: RequestLine[] = [
      { reqId: 'r-1', method: 'GET', url: '/health/live', statusCode: 200, durationMs: 0.12 },
      {
        reqId: 'x'.repeat(128),
        method: 'M-SEARCH',
        url: '/a?b=c&d',
        statusCode: 404,
        durationMs: 12,
      },
      // Quotes, backslashes, control and non-ASCII characters, a lone surrogate.
      {
        reqId: 'r:2.3_4',
        method: 'POST',
        url: '/p/"q"\\r\u0001é😀\ud800?token=[REDACTED]',
        statusCode: 500,
        durationMs: 1234.56,
      },
    ];

    it.each(lines)('hand-builds on the kit destination what pino would write (%#)', (line) => {
      const viaPino = capture();
      createPinoLogger({ logLevel: 'info', logDestination: viaPino.stream }).info(
        { ...line },
        'request completed',
      );
      // The kit's own destination: the line is written to it directly.
      const direct = fileCapture();
      let actual: Record<string, unknown> | undefined;
      try {
        const logger = createPinoLogger({ logLevel: 'info', logDestination: direct.destination });
        createRequestLineWriter(logger)(line);
        expect(direct.lines()).toEqual([]);
        flushLogsSync(logger);
        [actual] = direct.lines();
      } finally {
        direct.close();
      }
      const [expected] = viaPino.lines();
      // Same keys in the same order, same values; only the clock differs.
      expect(Object.keys(actual ?? {})).toEqual(Object.keys(expected ?? {}));
      expect({ ...actual, time: 0 }).toEqual({ ...expected, time: 0 });
      expect(typeof actual?.time).toBe('number');
    });

    it('hand-builds null for a duration that is not a finite number on the kit destination', () => {
      const out = fileCapture();
      try {
        const logger = createPinoLogger({ logLevel: 'info', logDestination: out.destination });
        createRequestLineWriter(logger)({ ...(lines[0] as RequestLine), durationMs: Number.NaN });
        flushLogsSync(logger);
        expect(out.lines()[0]?.durationMs).toBeNull();
      } finally {
        out.close();
      }
    });

    it('hands the line to a level-routing destination (pino.multistream) through pino', () => {
      const info = capture();
      const errors = capture();
      const logger = createPinoLogger({
        logLevel: 'info',
        logDestination: pino.multistream([
          { level: 'info', stream: info.stream },
          { level: 'error', stream: errors.stream },
        ]),
      });
      const write = createRequestLineWriter(logger);
      write(lines[0] as RequestLine);
      logger.error('boom');
      write(lines[0] as RequestLine);
      expect(info.lines().map((l) => l.msg)).toEqual([
        'request completed',
        'boom',
        'request completed',
      ]);
      expect(errors.lines().map((l) => l.msg)).toEqual(['boom']);
    });

    it('writes null for a duration that is not a finite number, as JSON.stringify would', () => {
      const out = capture();
      const logger = createPinoLogger({ logLevel: 'info', logDestination: out.stream });
      createRequestLineWriter(logger)({ ...(lines[0] as RequestLine), durationMs: Number.NaN });
      expect(out.lines()[0]?.durationMs).toBeNull();
    });

    it.each(lines)('writes the fields in order, once each, with the message (%#)', (line) => {
      const out = capture();
      createRequestLineWriter(createPinoLogger({ logLevel: 'info', logDestination: out.stream }))(
        line,
      );
      const [written] = out.lines();
      expect(Object.keys(written ?? {})).toEqual([
        'level',
        'time',
        'pid',
        'reqId',
        'method',
        'url',
        'statusCode',
        'durationMs',
        'msg',
      ]);
      expect(written).toMatchObject({ ...line, level: 30, msg: 'request completed' });
    });

    it('writes through pino for a logger the kit did not build', () => {
      const out = capture();
      createRequestLineWriter(pino({ base: { pid: process.pid } }, out.stream))(
        lines[0] as RequestLine,
      );
      expect(out.lines()).toEqual([
        expect.objectContaining({ level: 30, msg: 'request completed', reqId: 'r-1' }),
      ]);
    });
  });
});

describe('flushLogsSync', () => {
  it("calls flushSync() on the destination of a child's root (Fastify logs through a child)", () => {
    const flushed: string[] = [];
    const stream = Object.assign(capture().stream, { flushSync: () => flushed.push('flushSync') });
    const child = createPinoLogger({ logLevel: 'info', logDestination: stream })
      .child({})
      .child({ part: 'x' });
    flushLogsSync(child);
    expect(flushed).toEqual(['flushSync']);
  });

  it("flushes through pino's flush() a logger the kit did not build", () => {
    const flushed: string[] = [];
    const stream = Object.assign(capture().stream, {
      flush: (cb: () => void) => {
        flushed.push('flush');
        cb();
      },
    });
    flushLogsSync(pino(stream));
    expect(flushed).toEqual(['flush']);
  });

  it('is a no-op for an object that is not a logger', () => {
    expect(() => flushLogsSync({})).not.toThrow();
  });
});

describe('closeLogDestination', () => {
  describe('on the buffered stdout of createPinoLogger', () => {
    it('listens for exit while open, stops once closed; closing twice is safe', () => {
      const before = process.listenerCount('exit');
      const logger = createPinoLogger({ logLevel: 'silent' });
      expect(process.listenerCount('exit')).toBe(before + 1);
      closeLogDestination(logger);
      expect(process.listenerCount('exit')).toBe(before);
      expect(() => closeLogDestination(logger)).not.toThrow();
      expect(process.listenerCount('exit')).toBe(before);
    });
  });

  it('leaves any other destination alone', () => {
    const stream = new Writable({ write: (_chunk, _enc, done) => done() });
    const logger = createPinoLogger({ logLevel: 'info', logDestination: stream });
    closeLogDestination(logger);
    expect(stream.destroyed).toBe(false);
  });
});

describe('exitOnUncaughtException', () => {
  it('logs the error as a fatal line, then exits 1; removing it stops listening', () => {
    const out = capture();
    const logger = createPinoLogger({ logLevel: 'info', logDestination: out.stream });
    const exits: number[] = [];
    const before = process.listenerCount('uncaughtException');
    const remove = exitOnUncaughtException(logger, (code) => exits.push(code));
    expect(process.listenerCount('uncaughtException')).toBe(before + 1);
    try {
      // Also writes "unhandled rejection: boom" to this process's stderr.
      process.listeners('uncaughtException').at(-1)!(new Error('boom'), 'unhandledRejection');
    } finally {
      remove();
    }
    expect(process.listenerCount('uncaughtException')).toBe(before);
    expect(exits).toEqual([1]);
    expect(out.lines()).toEqual([
      expect.objectContaining({
        level: 60,
        msg: 'unhandled rejection: boom; exiting with 1',
        err: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
  });
});
