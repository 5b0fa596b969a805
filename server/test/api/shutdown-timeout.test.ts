import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ShutdownTimeout } from '../../src/support/shutdown.js';
import { ChildServer } from '../support/child-server.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { silentBroker } from '../support/unreachable-kafka.js';
import { signup } from '../support/users.js';
import { until } from '../support/until.js';

/**
 * SHUTDOWN_TIMEOUT bounds the whole shutdown. Requests and sockets that
 * outlive its first two-thirds are cut; an engine that has not closed by its
 * end is left behind, and the process exits 1 naming it. The hung engine
 * here is a Kafka broker that accepts connections and never answers: closing
 * the event log then waits on it for about 4 s.
 */

/** A POST whose body never arrives in full: in flight until the server gives up on it. Resolves with what the client read once the connection closes. */
async function requestInFlight(port: number, token: string): Promise<{ answer: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1000\r\n\r\n{"query":`);
  return { answer };
}

/** An authenticated graphql-ws socket whose client then stops reading (until `closed`), so it never answers the server's close. */
async function deafSocket(wsUrl: string, token: string): Promise<{ closed: () => Promise<number> }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  const messages: { type: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => socket.once('open', () => resolve()));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await until(() => messages.some((m) => m.type === 'connection_ack'));
  const raw = (socket as unknown as { _socket: Socket })._socket;
  raw.pause();
  return {
    closed: () => {
      raw.resume();
      return closed;
    },
  };
}

describe('SHUTDOWN_TIMEOUT', () => {
  it('cuts a request and a socket still open after two-thirds of it, and finishes within it', async () => {
    const server = await TestServer.start(pgliteTarget, { SHUTDOWN_TIMEOUT: '6s' });
    try {
      const ada = await signup(server);
      const request = await requestInFlight(server.parley.port, ada.token);
      const socket = await deafSocket(server.wsUrl, ada.token);

      const started = Date.now();
      await server.parley.close();
      const took = Date.now() - started;
      // Two-thirds of 6 s for the request and the socket, then the engines close, well within the last 2 s.
      expect(took).toBeGreaterThanOrEqual(3900);
      expect(took).toBeLessThan(6000);
      // The request got no answer: its connection was cut.
      expect(await request.answer).toBe('');
      // It was told 1001 and never answered: the timing above shows it was cut rather than waited for.
      expect(await socket.closed()).toBe(1001);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('settles with what was still open when an engine outlives it', async () => {
    const kafka = await silentBroker();
    const storage = await pgliteTarget.provision();
    try {
      const server = await TestServer.attach(storage, { KAFKA_BROKERS: kafka.address, SHUTDOWN_TIMEOUT: '2s' });
      const started = Date.now();
      const error = await server.parley.close().then(
        () => null,
        (e: unknown) => e,
      );
      const took = Date.now() - started;
      expect(error).toBeInstanceOf(ShutdownTimeout);
      expect((error as ShutdownTimeout).stillOpen).toEqual(['event log']);
      expect((error as Error).message).toBe('shutdown did not finish within 2s; still open: event log');
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(2500);
    } finally {
      // The broker goes: the event log left closing in the background gives up, and the rest closes after it.
      await kafka.stop();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await storage.dispose();
    }
  }, 120_000);

  // The built server (npm run build), as `npm start` runs it.
  it('exits 1 on SIGTERM with one line naming what was still open, instead of hanging', async () => {
    const kafka = await silentBroker();
    try {
      const child = await ChildServer.start({ KAFKA_BROKERS: kafka.address, SHUTDOWN_TIMEOUT: '2s' });
      const started = Date.now();
      const { code, output } = await child.terminate();
      expect(Date.now() - started).toBeLessThan(4000);
      expect(code, output).toBe(1);
      const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string; stillOpen?: string[] });
      expect(lines.find((l) => l.level === 'error'), output).toMatchObject({ msg: 'shutdown did not finish within 2s; still open: event log', stillOpen: ['event log'] });
      expect(lines.map((l) => l.msg)).not.toContain('stopped');
    } finally {
      await kafka.stop();
    }
  }, 120_000);

  it('exits 0 on SIGTERM when everything closes in time', async () => {
    const child = await ChildServer.start({ SHUTDOWN_TIMEOUT: '5s' });
    const { code, output } = await child.terminate();
    expect(code, output).toBe(0);
    expect(output).toMatch(/SIGTERM received, shutting down[\s\S]*\bstopped\b/);
  }, 120_000);
});
