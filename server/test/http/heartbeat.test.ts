import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Heartbeat } from '../../src/http/heartbeat.js';

const INTERVAL_MS = 300;

let server: WebSocketServer | undefined;
let heartbeat: Heartbeat | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  heartbeat?.close();
  for (const client of clients.splice(0)) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real ws server on an ephemeral port whose sockets the heartbeat follows. */
async function serve(): Promise<string> {
  heartbeat = new Heartbeat(INTERVAL_MS);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server = wss;
  wss.on('connection', (socket) => heartbeat!.add(socket));
  await new Promise((resolve) => wss.once('listening', resolve));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

async function connect(url: string, options: { autoPong?: boolean } = {}): Promise<WebSocket> {
  const client = new WebSocket(url, options);
  clients.push(client);
  await new Promise((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  return client;
}

const closed = (client: WebSocket) => new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));

describe('Heartbeat', () => {
  it('pings every socket about once per interval, and a socket that answers stays open', async () => {
    const url = await serve();
    const sockets = await Promise.all(Array.from({ length: 40 }, () => connect(url)));
    const pings = sockets.map(() => 0);
    sockets.forEach((socket, i) => socket.on('ping', () => pings[i]++));
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3.5));
    // 3.5 intervals: each socket pinged 3 or 4 times, never a burst per socket, and none was cut.
    for (const count of pings) expect(count).toBeGreaterThanOrEqual(2);
    for (const count of pings) expect(count).toBeLessThanOrEqual(5);
    for (const socket of sockets) expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('cuts a socket that does not answer its ping by the next one, and leaves the others open', async () => {
    const url = await serve();
    const silent = await connect(url, { autoPong: false });
    const answering = await connect(url);
    const startedAt = Date.now();
    const code = await closed(silent);
    // Terminated, not closed with a handshake: the client sees an abnormal closure.
    expect(code).toBe(1006);
    // First ping within one interval, cut at the next visit: at most about two intervals.
    expect(Date.now() - startedAt).toBeLessThan(INTERVAL_MS * 2 + 250);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(INTERVAL_MS * 0.9);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
    expect(answering.readyState).toBe(WebSocket.OPEN);
  });

  it('forgets a socket once it closed', async () => {
    const url = await serve();
    const clientsHere = await Promise.all(Array.from({ length: 5 }, () => connect(url)));
    expect(heartbeat!.size).toBe(5);
    clientsHere[0].close();
    clientsHere[1].terminate();
    await Promise.all([closed(clientsHere[0]), closed(clientsHere[1])]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heartbeat!.size).toBe(3);
  });
});
