import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyError, readBody } from '../../src/http/read-body.js';

const LIMIT = 64;
let server: Server | null = null;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A real server whose handler reports what readBody made of each request. */
async function bodies(): Promise<{ port: number; next: () => Promise<unknown> }> {
  const results: Promise<unknown>[] = [];
  let arrived: () => void = () => undefined;
  server = createServer((req: IncomingMessage, res) => {
    results.push(
      readBody(req, LIMIT).then(
        (body) => {
          res.end('ok');
          return body;
        },
        (error: unknown) => {
          if (!res.destroyed) res.end();
          return error;
        },
      ),
    );
    arrived();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    next: async () => {
      if (results.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
      return results.shift()!;
    },
  };
}

/** Sends chunks without a Content-Length (chunked); `abort` ends the connection before the body is complete. */
function post(port: number, chunks: string[], { abort = false, type = 'application/json' } = {}): void {
  const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-type': type } });
  req.on('error', () => undefined);
  req.on('response', (res) => res.resume());
  for (const chunk of chunks) req.write(chunk);
  if (abort) setTimeout(() => req.destroy(), 50);
  else req.end();
}

describe('readBody', () => {
  it('parses a JSON body sent in chunks', async () => {
    const { port, next } = await bodies();
    post(port, ['{"query":', '"{ me { id } }"}']);
    expect(await next()).toEqual({ query: '{ me { id } }' });
  });

  it('refuses a body that grows past the limit without declaring its length, with 413', async () => {
    const { port, next } = await bodies();
    post(port, ['x'.repeat(40), 'y'.repeat(40)], { type: 'text/plain' });
    const error = await next();
    expect(error).toBeInstanceOf(BodyError);
    expect(error).toMatchObject({ status: 413 });
  });

  it('says 400 when the client goes away before the whole body came', async () => {
    const { port, next } = await bodies();
    post(port, ['{"query":'], { abort: true });
    const error = await next();
    expect(error).toBeInstanceOf(BodyError);
    expect(error).toMatchObject({ status: 400 });
  });
});
