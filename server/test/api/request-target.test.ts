import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';

/**
 * Raw bytes on a socket: Node's HTTP client would refuse to send most of
 * these request targets. Resolves with the status line's code, or with what
 * happened instead (a reset, a close without an answer, a timeout).
 */
function rawRequest(port: number, head: string, timeoutMs = 3_000): Promise<number | string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    const finish = (outcome: number | string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (status && received.includes('\r\n\r\n')) finish(Number(status[1]));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on('close', () => finish(received === '' ? 'closed without an answer' : `unparsable: ${received.slice(0, 40)}`));
    socket.write(head);
  });
}

// The request line and headers are parsed above the storage ports: one engine is enough.
describe('crafted HTTP request targets', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const healthy = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  };

  const cases: [string, string][] = [
    ['a target that is not a URL', 'GET http://[ HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['an authority-looking path', 'GET //x HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['an authority-looking GraphQL path', 'GET //evil/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['a truncated percent escape', 'GET /%E0%A4%A HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['a truncated escape under the assets', 'GET /assets/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['the asterisk form', 'GET * HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['OPTIONS in asterisk form', 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['the absolute form', 'GET http://evil/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['an absolute form that is not a URL', 'POST http://[::1/graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'],
    ['an invalid Host', 'GET / HTTP/1.1\r\nHost: [bad\r\n\r\n'],
    ['a missing Host', 'GET / HTTP/1.1\r\n\r\n'],
    ['a missing Host on /graphql', 'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n\r\n'],
  ];

  for (const [name, head] of cases) {
    it(`answers ${name} with a status (never a crash or a hung socket), and keeps serving`, async () => {
      const outcome = await rawRequest(port, head);
      expect(typeof outcome, `outcome: ${outcome}`).toBe('number');
      expect(outcome as number).toBeLessThan(500);
      await healthy();
    });
  }

  it('resolves a request only by its path: the absolute form reaches the same resource as the origin form', async () => {
    expect(await rawRequest(port, 'GET http://evil/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')).toBe(200);
    expect(await rawRequest(port, 'GET //evil/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')).toBe(404);
  });
});
