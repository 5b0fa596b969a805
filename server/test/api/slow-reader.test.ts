import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MESSAGE_ADDED, subscribeMessages, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

/*
 * A subscriber whose reader stalls (a frozen tab, a phone between cells)
 * must neither lose nor reorder anything, and must not stall anyone else:
 * past the socket's high-water mark its frames wait for the reader, so
 * replay stops paging and live events wait in the bounded subscription queue.
 */

// 3,990 three-byte characters: about 12 KB per frame, so the kernel's socket buffers fill quickly.
const BIG = '€'.repeat(3990);

describe('a subscriber that stops reading', () => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => server?.stop());

  it('gets every message once, in order, when it reads again, while other subscribers stay live', async () => {
    let tcp: Socket | undefined;
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    socket.once('upgrade', (response) => (tcp = response.socket));
    const frames: { type: string; payload?: any }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    const arrived = async (type: string) => {
      for (let i = 0; i < 500 && !frames.some((f) => f.type === type); i++) await new Promise((r) => setTimeout(r, 10));
      expect(frames.map((f) => f.type)).toContain(type);
    };
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${bob.token}` } }));
    await arrived('connection_ack');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { chatId } } }));
    await send(server, ada, chatId, 'hello');
    await arrived('next');

    tcp!.pause();
    const other = server.wsClient(ada.token);
    const live = subscribeMessages(other, chatId, 1);
    // About 7 MB: past the kernel's socket buffers on loopback (4 MB send + 128 KB receive here) and the high-water mark.
    const sent = 600;
    try {
      for (let n = 2; n <= sent; n += 20) {
        await Promise.all(Array.from({ length: Math.min(20, sent - n + 1) }, (_, i) => send(server, ada, chatId, `${BIG} ${n + i}`)));
      }
      expect((await live.waitFor(sent - 1, 30_000)).at(-1)?.seq).toBe(sent);
    } finally {
      live.close();
      await other.dispose();
    }
    const stalled = frames.filter((f) => f.type === 'next').length;
    expect(stalled).toBeLessThan(sent);

    tcp!.resume();
    for (let i = 0; i < 3000 && frames.filter((f) => f.type === 'next').length < sent; i++) await new Promise((r) => setTimeout(r, 10));
    const seqs = frames.filter((f) => f.type === 'next').map((f) => f.payload.data.messageAdded.seq as number);
    expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    socket.close();
    await closed;
  }, 60_000);
});
