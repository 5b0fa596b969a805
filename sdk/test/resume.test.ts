import { describe, expect, it } from 'vitest';
import { isParleyError } from '../src/index.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { Clients, RetryLog, signedUp, take, TestParley } from './support/parley.js';

/** A WebSocket that remembers the variables of every subscribe it sends: what went on the wire. */
function recordingWebSocket() {
  const subscribes: Record<string, unknown>[] = [];
  class RecordingWebSocket extends WebSocket {
    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (typeof data === 'string') {
        const message = JSON.parse(data) as { type: string; payload?: { variables?: Record<string, unknown> } };
        if (message.type === 'subscribe') subscribes.push(message.payload?.variables ?? {});
      }
      super.send(data);
    }
  }
  return { subscribes, RecordingWebSocket };
}

describe('resuming live messages', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('after a dropped connection, every message arrives exactly once and in order, resumed from the last seq', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const retries = new RetryLog();
    const wire = recordingWebSocket();
    const ada = clients.add(await signedUp(server.url));
    // Bob reaches Parley only through the proxy, so cutting it cuts him off; Ada keeps talking directly.
    const bob = clients.add(await signedUp(proxy.url, { onRetry: retries.push, webSocketImpl: wire.RecordingWebSocket }));
    const chat = await ada.client.createDirectChat(bob.user.id);

    const stream = bob.client.messageAdded(chat.id, { afterSeq: 0 });
    for (let i = 1; i <= 3; i++) await ada.client.sendMessage(chat.id, `before ${i}`);
    const before = await take(stream, 3);

    await proxy.drop();
    // Wait until the drop was noticed and a reconnect was already refused: the stream is backing off.
    await retries.next((e) => e.attempt >= 2);
    for (let i = 1; i <= 5; i++) await ada.client.sendMessage(chat.id, `during ${i}`);
    await proxy.restore();
    const during = await take(stream, 5);
    for (let i = 1; i <= 2; i++) await ada.client.sendMessage(chat.id, `after ${i}`);
    const after = await take(stream, 2);

    const all = [...before, ...during, ...after];
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(all.map((m) => m.body)).toEqual([
      'before 1', 'before 2', 'before 3',
      'during 1', 'during 2', 'during 3', 'during 4', 'during 5',
      'after 1', 'after 2',
    ]);
    expect(stream.lastSeq).toBe(10);

    // On the wire: the first subscribe asked for afterSeq 0, the one after the reconnect for 3,
    // so the server replayed exactly the five missed messages.
    expect(wire.subscribes.map((v) => v['afterSeq'])).toEqual([0, 3]);
    expect(proxy.connections).toBeGreaterThan(1);
    expect(retries.events.length).toBeGreaterThanOrEqual(2);
    for (const event of retries.events) {
      expect(event).toMatchObject({ operation: 'messageAdded', chatId: chat.id, afterSeq: 3 });
      expect(event.error.code).toBe('NETWORK');
      expect(event.delayMs).toBeGreaterThan(0);
    }
    // Backoff grows between refused attempts (equal jitter keeps each within [step/2, step]).
    const delays = retries.events.map((e) => e.delayMs);
    expect(delays[0]).toBeLessThanOrEqual(50);
    expect(delays[1]).toBeGreaterThanOrEqual(50);
  });

  it('resumes across a server restart (graceful close, then the port refuses, then the same data is back)', async () => {
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const chat = await ada.client.createDirectChat(bob.user.id);
    const stream = bob.client.messageAdded(chat.id);
    // Without afterSeq the stream starts at the chat's end as of `ready`; sends after it are delivered.
    await stream.ready;
    await ada.client.sendMessage(chat.id, 'one');
    expect((await take(stream, 1)).map((m) => m.seq)).toEqual([1]);

    await server.stop();
    // A graceful shutdown closes the socket with 1001 (going away): UNAVAILABLE, retried.
    const first = await retries.next();
    expect(first.error).toMatchObject({ code: 'UNAVAILABLE', closeCode: 1001 });
    await retries.next((e) => e.error.code === 'NETWORK');
    await server.resume();

    await ada.client.sendMessage(chat.id, 'two');
    await ada.client.sendMessage(chat.id, 'three');
    expect((await take(stream, 2)).map((m) => [m.seq, m.body])).toEqual([
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('a new token replaces the socket at once, and the stream resubscribes as the new user', async () => {
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const bob = clients.add(await signedUp(server.url));
    const chat = await bob.client.createDirectChat(ada.user.id);
    const stream = ada.client.messageAdded(chat.id, { afterSeq: 0 });
    await bob.client.sendMessage(chat.id, 'for ada');
    expect((await take(stream, 1))[0]!.body).toBe('for ada');

    // The same client signs in as someone outside the chat: the socket is replaced without a
    // backoff, and the resubscribe, now as carol, is refused for good.
    const carol = await ada.client.signup({ username: `carol_${Date.now()}`, password: 'correct horse battery' });
    expect(ada.client.token).toBe(carol.token);
    const error = await stream.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isParleyError(error, 'FORBIDDEN')).toBe(true);
    expect(retries.events).toEqual([expect.objectContaining({ delayMs: 0, afterSeq: 1 })]);
    expect(retries.events[0]!.error.closeCode).toBe(4499);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
