import { describe, expect, it } from 'vitest';
import type { Contact, ParleyClient, PresenceStream } from '../src/index.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { Clients, RetryLog, signedUp, TestParley } from './support/parley.js';

/** A short grace, so that going offline takes a moment rather than 5 s. */
const GRACE_MS = 300;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a presence stream in the background, so a test can wait for the item it expects. */
class Seen {
  readonly items: Contact[] = [];
  private wake: (() => void) | null = null;
  private ended: unknown = null;

  constructor(stream: PresenceStream) {
    void (async () => {
      try {
        for await (const contact of stream) {
          this.items.push(contact);
          this.wake?.();
        }
        this.ended = new Error('the stream ended');
      } catch (error) {
        this.ended = error;
      }
      this.wake?.();
    })();
  }

  /** The statuses handed out for one user, in order. */
  of(userId: string): string[] {
    return this.items.filter((c) => c.id === userId).map((c) => c.presence.status);
  }

  /** The first item from `from` on about the user, waiting up to `ms` for it. */
  async next(userId: string, from: number, ms = 10_000): Promise<{ contact: Contact; index: number }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.items.findIndex((c, i) => i >= from && c.id === userId);
      if (index >= 0) return { contact: this.items[index]!, index: index + 1 };
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing about ${userId} within ${ms} ms (seen: ${this.items.map((c) => `${c.id}:${c.presence.status}`).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
  }
}

/**
 * presenceChanged has no acknowledgement: a probe contact of the viewer comes
 * online (a stream of theirs opens their socket) until the viewer's stream
 * shows it. Each miss waits out the grace, so the next try is a change again.
 */
async function untilLive(url: string, viewer: ParleyClient, seen: Seen, clients: Clients): Promise<void> {
  const probe = clients.add(await signedUp(url));
  await viewer.createDirectChat(probe.user.id);
  for (let attempt = 0; !seen.of(probe.user.id).includes('ONLINE'); attempt++) {
    if (attempt === 20) throw new Error('presenceChanged never went live');
    const socket = probe.client.presenceChanged();
    await pause(200);
    socket.close();
    await pause(GRACE_MS * 2);
  }
}

describe('presence (presenceChanged, presence)', () => {
  const server = TestParley.forSuite({ PRESENCE_GRACE_MS: String(GRACE_MS) });
  const clients = Clients.forEachTest();

  it('brings a contact ONLINE while a socket of theirs is open, then OFFLINE with when it closed, once the grace is over', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    expect((await ada.client.presence(chat.id)).find((m) => m.id === bob.user.id)).toMatchObject({
      username: bob.user.username,
      presence: { status: 'OFFLINE', lastSeenAt: null },
    });

    const watch = ada.client.presenceChanged();
    const seen = new Seen(watch);
    await untilLive(server.url, ada.client, seen, clients);

    // Any stream opens the SDK's socket, and an open socket is what ONLINE means.
    const bobOnline = bob.client.chatUpdated();
    const online = await seen.next(bob.user.id, 0);
    expect(online.contact).toMatchObject({ id: bob.user.id, displayName: bob.user.displayName, presence: { status: 'ONLINE', lastSeenAt: null } });
    expect((await ada.client.presence(chat.id)).find((m) => m.id === bob.user.id)?.presence).toEqual({ status: 'ONLINE', lastSeenAt: null });

    const closedAt = Date.now();
    bobOnline.close(); // the last stream: the socket closes with it
    const offline = await seen.next(bob.user.id, online.index);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(offline.contact.presence.status).toBe('OFFLINE');
    expect(Math.abs(Date.parse(offline.contact.presence.lastSeenAt!) - closedAt)).toBeLessThan(GRACE_MS);
    expect((await ada.client.presence(chat.id)).find((m) => m.id === bob.user.id)?.presence).toEqual(offline.contact.presence);
    expect(seen.of(bob.user.id)).toEqual(['ONLINE', 'OFFLINE']);

    // presence() is a member's read, like chat().
    const eve = clients.add(await signedUp(server.url));
    await expect(eve.client.presence(chat.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('with resync, reads presence once subscribed and again after a reconnect, so a change while away is not missed', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(proxy.url, { onRetry: retries.push }));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);

    let resyncs = 0;
    const watch = ada.client.presenceChanged({
      resync: () => {
        resyncs++;
        return ada.client.presence(chat.id);
      },
    });
    const seen = new Seen(watch);
    // The first read is handed out with no change at all: bob has never been online.
    const first = await seen.next(bob.user.id, 0);
    expect(first.contact.presence).toEqual({ status: 'OFFLINE', lastSeenAt: null });
    expect(resyncs).toBe(1);
    await untilLive(proxy.url, ada.client, seen, clients);

    await proxy.drop();
    await retries.next((e) => e.operation === 'presenceChanged' && e.attempt >= 2);
    // Bob comes online while ada's stream is away: no change reaches her for it.
    const bobOnline = bob.client.chatUpdated();
    for (let i = 0; (await bob.client.presence(chat.id)).find((m) => m.id === bob.user.id)?.presence.status !== 'ONLINE'; i++) {
      if (i === 100) throw new Error('bob never came online');
      await pause(20);
    }
    const before = seen.items.length;
    await proxy.restore();

    // The read after the reconnect brings it.
    const reread = await seen.next(bob.user.id, before);
    expect(reread.contact.presence).toEqual({ status: 'ONLINE', lastSeenAt: null });
    expect(resyncs).toBe(2);

    // And changes flow again.
    bobOnline.close();
    const offline = await seen.next(bob.user.id, reread.index);
    expect(offline.contact.presence.status).toBe('OFFLINE');
    expect(offline.contact.presence.lastSeenAt).not.toBeNull();
    expect(retries.events.every((e) => e.operation === 'presenceChanged' && e.error.code === 'NETWORK')).toBe(true);
  });

  it('without a signed-in user the loop throws UNAUTHENTICATED, not retried', async () => {
    const retries = new RetryLog();
    const client = clients.client({ url: server.url, onRetry: retries.push });
    await expect(client.presenceChanged().next()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4401 });
    expect(retries.events).toEqual([]);
  });
});
