import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import type { ParleySocket } from '../src/socket.js';
import { ParleyError } from '../src/errors.js';
import { chatUpdateStream, messageStream, presenceStream, type StreamDeps } from '../src/subscriptions.js';
import type { Chat, Contact, Message, RetryEvent } from '../src/types.js';

/*
 * The resume logic against a scripted socket: the cases a real server does
 * not produce on demand (a replay that overlaps, a bare completion, failure
 * after failure). The real-server behaviour is in resume.test.ts.
 */

type Sink = Parameters<ParleySocket['subscribe']>[1];

interface Attempt {
  variables: Record<string, unknown>;
  sink: Sink;
  unsubscribed: boolean;
}

class ScriptedSocket {
  generation = 0;
  readonly attempts: Attempt[] = [];
  private waiters: (() => void)[] = [];

  subscribe(payload: { variables?: Record<string, unknown> | null }, sink: Sink): () => void {
    const attempt: Attempt = { variables: payload.variables ?? {}, sink, unsubscribed: false };
    this.attempts.push(attempt);
    for (const wake of this.waiters.splice(0)) wake();
    return () => {
      attempt.unsubscribed = true;
    };
  }

  /** Who waits for the socket to be connected again (see ParleySocket.afterConnected). */
  readonly connectedListeners = new Set<() => void>();

  afterConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** The socket is (back) up: whoever waited for it is told. */
  connect(): void {
    for (const listener of [...this.connectedListeners]) {
      this.connectedListeners.delete(listener);
      listener();
    }
  }

  /** The nth subscribe (1-based), once it has happened. */
  async attempt(n: number): Promise<Attempt> {
    while (this.attempts.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.attempts[n - 1]!;
  }
}

const message = (seq: number): Message => ({
  id: `m${seq}`,
  chatId: 'c1',
  seq,
  clientId: null,
  body: `body ${seq}`,
  createdAt: new Date(0).toISOString(),
  sender: { id: 'u1', username: 'ada', displayName: 'Ada', createdAt: new Date(0).toISOString() },
});
const next = (seq: number) => ({ data: { messageAdded: message(seq) } });
const dropped = { code: 1006, reason: '' };
/** A result carrying an error as the wire does: formatted, not a GraphQLError instance. */
const refused = (code: string) =>
  ({ errors: [{ message: `refused: ${code}`, extensions: { code } }] }) as unknown as Parameters<Sink['next']>[0];

function setup(attempts = Infinity) {
  const socket = new ScriptedSocket();
  const retries: RetryEvent[] = [];
  const deps: StreamDeps = {
    socket: socket as unknown as ParleySocket,
    lastSeqOf: async () => 41,
    reconnect: { initialDelayMs: 2, maxDelayMs: 4, attempts },
    onRetry: (event) => retries.push(event),
  };
  return { socket, retries, deps };
}

describe('resumable message stream', () => {
  it('resubscribes after the last seq received and drops whatever a replay repeats', async () => {
    const { socket, retries, deps } = setup();
    const stream = messageStream(deps, 'c1', { afterSeq: 0 });
    const first = await socket.attempt(1);
    expect(first.variables).toEqual({ chatId: 'c1', afterSeq: 0 });
    first.sink.next(next(1));
    first.sink.next(next(2));
    first.sink.error(dropped);
    expect(first.unsubscribed).toBe(true);

    const second = await socket.attempt(2);
    expect(second.variables).toEqual({ chatId: 'c1', afterSeq: 2 });
    for (const seq of [1, 2, 3, 2, 4]) second.sink.next(next(seq));
    const seen: number[] = [];
    for await (const m of stream) {
      seen.push(m.seq);
      if (m.seq === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(second.unsubscribed).toBe(true);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, afterSeq: 2 })]);
    expect(retries[0]!.error).toMatchObject({ code: 'NETWORK', closeCode: 1006 });
  });

  it('without afterSeq starts at the chat end, so a drop before the first message loses nothing', async () => {
    const { socket, deps } = setup();
    const stream = messageStream(deps, 'c1', {});
    await stream.ready;
    expect(stream.lastSeq).toBe(41);
    (await socket.attempt(1)).sink.error(dropped);
    const second = await socket.attempt(2);
    expect(second.variables).toEqual({ chatId: 'c1', afterSeq: 41 });
    expect(stream.lastSeq).toBe(41);
    stream.close();
  });

  it('resubscribes when the server completes the subscription, and ends for good on FORBIDDEN', async () => {
    const { socket, deps } = setup();
    const stream = messageStream(deps, 'c1', { afterSeq: 5 });
    (await socket.attempt(1)).sink.complete();
    const second = await socket.attempt(2);
    expect(second.variables['afterSeq']).toBe(5);
    second.sink.next(next(6));
    second.sink.next(refused('FORBIDDEN'));
    // A message that arrived before the error is still handed out, then the error, then the end.
    expect((await stream.next()).value).toMatchObject({ seq: 6 });
    await expect(stream.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(socket.attempts).toHaveLength(2);
  });

  it('gives up after `attempts` failures in a row; a delivered message starts the count over', async () => {
    const { socket, retries, deps } = setup(2);
    const stream = messageStream(deps, 'c1', { afterSeq: 0 });
    (await socket.attempt(1)).sink.error(dropped);
    (await socket.attempt(2)).sink.error({ code: 1013, reason: 'Try again later' });
    const third = await socket.attempt(3);
    third.sink.next(next(1));
    third.sink.error(dropped);
    (await socket.attempt(4)).sink.error(dropped);
    (await socket.attempt(5)).sink.error(dropped);

    expect((await stream.next()).value).toMatchObject({ seq: 1 });
    await expect(stream.next()).rejects.toMatchObject({ code: 'NETWORK' });
    expect(socket.attempts).toHaveLength(5);
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [1, 'NETWORK'],
      [2, 'UNAVAILABLE'],
      [1, 'NETWORK'],
      [2, 'NETWORK'],
    ]);
  });
});

const chat = (lastSeq: number): Chat => ({
  id: 'c1',
  kind: 'DIRECT',
  title: null,
  lastSeq,
  lastReadSeq: 0,
  unreadCount: lastSeq,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  memberCount: 0,
  members: [],
  lastMessage: lastSeq ? message(lastSeq) : null,
});
const chatEvent = (lastSeq: number) => ({ data: { chatUpdated: chat(lastSeq) } });

describe('resumable chat updates', () => {
  it('hands out every event; after a resubscribe calls onReconnect once the socket is back, never for the first subscribe', async () => {
    const { socket, retries, deps } = setup();
    let reconnects = 0;
    const stream = chatUpdateStream(deps, { onReconnect: () => reconnects++ });
    const first = await socket.attempt(1);
    expect(first.variables).toEqual({});
    expect(socket.connectedListeners.size).toBe(0);
    // No dedup: the same state twice is two events.
    first.sink.next(chatEvent(1));
    first.sink.next(chatEvent(1));
    first.sink.error(dropped);

    // A resubscribe that fails before the socket is back tells nobody.
    (await socket.attempt(2)).sink.error(dropped);
    expect(reconnects).toBe(0);
    const third = await socket.attempt(3);
    expect(socket.connectedListeners.size).toBe(1);
    socket.connect();
    expect(reconnects).toBe(1);
    third.sink.next(chatEvent(2));

    const seen: number[] = [];
    for await (const update of stream) {
      seen.push(update.lastSeq);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 1, 2]);
    expect(third.unsubscribed).toBe(true);
    expect(retries.map((r) => [r.operation, r.attempt, r.error.code, r.chatId])).toEqual([
      ['chatUpdated', 1, 'NETWORK', undefined],
      ['chatUpdated', 2, 'NETWORK', undefined],
    ]);
  });

  it('resubscribes when the server completes it, and ends for good on UNAUTHENTICATED', async () => {
    const { socket, deps } = setup();
    let ended = 0;
    const stream = chatUpdateStream({ ...deps, onEnd: () => ended++ }, {});
    (await socket.attempt(1)).sink.complete();
    const second = await socket.attempt(2);
    second.sink.next(chatEvent(3));
    second.sink.error({ code: 4401, reason: 'Unauthorized' });
    expect((await stream.next()).value).toMatchObject({ lastSeq: 3 });
    await expect(stream.next()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4401 });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(socket.attempts).toHaveLength(2);
    expect(ended).toBe(1);
  });
});

const contact = (id: string, status: 'ONLINE' | 'OFFLINE', lastSeenAt: string | null = null): Contact => ({
  id,
  username: id,
  displayName: id,
  createdAt: new Date(0).toISOString(),
  presence: { status, lastSeenAt },
});
const presenceChange = (c: Contact) => ({ data: { presenceChanged: c } });
/** A user and status per item, e.g. `bob:ONLINE`. */
const label = (c: Contact) => `${c.id}:${c.presence.status}`;

async function takeContacts(stream: AsyncIterator<Contact>, count: number): Promise<string[]> {
  const got: string[] = [];
  while (got.length < count) {
    const { value, done } = await stream.next();
    if (done) throw new Error(`stream ended after ${got.length}/${count} items`);
    got.push(label(value));
  }
  return got;
}

/** A resync whose reads the test answers one by one. */
function scriptedResync() {
  const reads: { resolve: (contacts: Contact[]) => void; reject: (error: unknown) => void }[] = [];
  return {
    reads,
    resync: () => new Promise<readonly Contact[]>((resolve, reject) => reads.push({ resolve, reject })),
  };
}

describe('presence stream', () => {
  it('reads once the first subscribe is on a connected socket, and hands out the read before the changes that came while it ran', async () => {
    const { socket, deps } = setup();
    const { reads, resync } = scriptedResync();
    const stream = presenceStream(deps, { resync });
    const first = await socket.attempt(1);
    expect(first.variables).toEqual({});
    expect(reads).toHaveLength(0);
    socket.connect();
    expect(reads).toHaveLength(1);
    // Bob went offline after the server answered the read (ONLINE): the change must win.
    first.sink.next(presenceChange(contact('bob', 'OFFLINE', '2026-01-01T00:00:00.000Z')));
    reads[0]!.resolve([contact('ada', 'ONLINE'), contact('bob', 'ONLINE')]);
    expect(await takeContacts(stream, 3)).toEqual(['ada:ONLINE', 'bob:ONLINE', 'bob:OFFLINE']);
    // Once the read is in, changes come as they arrive.
    first.sink.next(presenceChange(contact('bob', 'ONLINE')));
    expect(await takeContacts(stream, 1)).toEqual(['bob:ONLINE']);
    stream.close();
    expect(first.unsubscribed).toBe(true);
  });

  it('reads again after every resubscribe; an older read still running is dropped, the changes it held are not', async () => {
    const { socket, retries, deps } = setup();
    const { reads, resync } = scriptedResync();
    const stream = presenceStream(deps, { resync });
    const first = await socket.attempt(1);
    socket.connect();
    first.sink.next(presenceChange(contact('bob', 'ONLINE')));
    first.sink.error(dropped);
    const second = await socket.attempt(2);
    expect(reads).toHaveLength(1);
    socket.connect();
    expect(reads).toHaveLength(2);
    second.sink.next(presenceChange(contact('carol', 'ONLINE')));
    reads[0]!.resolve([contact('bob', 'OFFLINE')]);
    reads[1]!.resolve([contact('bob', 'OFFLINE', '2026-01-01T00:00:00.000Z')]);
    expect(await takeContacts(stream, 3)).toEqual(['bob:ONLINE', 'bob:OFFLINE', 'carol:ONLINE']);
    expect(retries.map((r) => [r.operation, r.attempt, r.error.code])).toEqual([['presenceChanged', 1, 'NETWORK']]);
    stream.close();
  });

  it('a read that fails retryably resubscribes and reads again; one that cannot be retried ends the stream', async () => {
    const { socket, retries, deps } = setup();
    const { reads, resync } = scriptedResync();
    const stream = presenceStream(deps, { resync });
    const first = await socket.attempt(1);
    socket.connect();
    first.sink.next(presenceChange(contact('bob', 'ONLINE')));
    reads[0]!.reject(new ParleyError('UNAVAILABLE', 'Redis is down'));
    const second = await socket.attempt(2);
    expect(first.unsubscribed).toBe(true);
    socket.connect();
    reads[1]!.reject(new ParleyError('FORBIDDEN', 'You are not a member of this chat'));
    // The change held while the failed read ran still comes, then the error, then the end.
    expect(await takeContacts(stream, 1)).toEqual(['bob:ONLINE']);
    await expect(stream.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(second.unsubscribed).toBe(true);
    expect(retries.map((r) => [r.operation, r.error.code])).toEqual([['presenceChanged', 'UNAVAILABLE']]);
  });

  it('resync() reads again on demand with the same order; its failure is the caller\'s, unless it replaced a reconnect\'s read', async () => {
    const { socket, deps } = setup();
    const { reads, resync } = scriptedResync();
    const stream = presenceStream(deps, { resync });
    const first = await socket.attempt(1);
    socket.connect();
    reads[0]!.resolve([contact('bob', 'OFFLINE')]);
    expect(await takeContacts(stream, 1)).toEqual(['bob:OFFLINE']);

    // Another chat opened: its members are read, and a change arriving meanwhile comes after them.
    const reading = stream.resync();
    first.sink.next(presenceChange(contact('carol', 'OFFLINE', '2026-01-01T00:00:00.000Z')));
    reads[1]!.resolve([contact('bob', 'OFFLINE'), contact('carol', 'ONLINE')]);
    await reading;
    expect(await takeContacts(stream, 3)).toEqual(['bob:OFFLINE', 'carol:ONLINE', 'carol:OFFLINE']);

    // A failed read on demand rejects for the caller; the subscription stays.
    const failing = stream.resync();
    reads[2]!.reject(new ParleyError('NETWORK', 'offline'));
    await expect(failing).rejects.toMatchObject({ code: 'NETWORK' });
    first.sink.next(presenceChange(contact('bob', 'ONLINE')));
    expect(await takeContacts(stream, 1)).toEqual(['bob:ONLINE']);
    expect(socket.attempts).toHaveLength(1);

    // A read on demand that overtakes a reconnect's read and fails fails that attempt too: it resubscribes and reads again.
    first.sink.error(dropped);
    await socket.attempt(2);
    socket.connect();
    const overtaking = stream.resync();
    reads[3]!.resolve([contact('bob', 'OFFLINE')]);
    reads[4]!.reject(new ParleyError('UNAVAILABLE', 'Redis is down'));
    await expect(overtaking).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await socket.attempt(3);
    socket.connect();
    reads[5]!.resolve([contact('bob', 'OFFLINE')]);
    expect(await takeContacts(stream, 1)).toEqual(['bob:OFFLINE']);
    stream.close();
  });

  it('without resync hands out changes only, waiting for nothing', async () => {
    const { socket, deps } = setup();
    const stream = presenceStream(deps, {});
    await stream.resync();
    const first = await socket.attempt(1);
    expect(socket.connectedListeners.size).toBe(0);
    first.sink.next(presenceChange(contact('bob', 'ONLINE')));
    expect(await takeContacts(stream, 1)).toEqual(['bob:ONLINE']);
    first.sink.error(dropped);
    await socket.attempt(2);
    expect(socket.connectedListeners.size).toBe(0);
    stream.close();
  });

  it('hands out nothing after close, even a read that finishes later', async () => {
    const { socket, deps } = setup();
    const { reads, resync } = scriptedResync();
    const stream = presenceStream(deps, { resync });
    await socket.attempt(1);
    socket.connect();
    stream.close();
    reads[0]!.resolve([contact('bob', 'ONLINE')]);
    await Promise.resolve();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe('backoff', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles from the initial delay up to the maximum, with half of each step random', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, options);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
