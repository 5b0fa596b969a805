import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subscribeWithSharing } from '../../src/graphql/execution-sharing.js';

/** A source every subscriber reads the same event objects from, as the realtime bus delivers them. */
function broadcast() {
  const listeners = new Set<(event: object) => void>();
  let returned = 0;
  return {
    emit: (event: object) => listeners.forEach((l) => l(event)),
    returned: () => returned,
    subscribe(): AsyncIterable<object> {
      const queue: object[] = [];
      let wake: (() => void) | null = null;
      const listener = (event: object) => {
        queue.push(event);
        wake?.();
      };
      listeners.add(listener);
      return {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
            return { value: queue.shift()!, done: false };
          },
          return: async () => {
            returned++;
            listeners.delete(listener);
            return { value: undefined, done: true };
          },
        }),
      };
    },
  };
}

describe('subscribeWithSharing', () => {
  const source = broadcast();
  let bodyResolutions = 0;
  const schema = buildSchema(`
    type Message { id: ID! body(shout: Boolean): String! seenByMe: Boolean! }
    type Query { ok: Boolean }
    type Subscription { messageAdded(chatId: ID!, afterSeq: Int): Message!  messageSeen(chatId: ID!): Message! }
  `);
  const Message = schema.getType('Message') as any;
  Message.getFields().body.resolve = (m: { body: string }, args: { shout?: boolean }) => {
    bodyResolutions++;
    return args.shout ? m.body.toUpperCase() : m.body;
  };
  // What the @ViewerDependent and @SharedExecution decorators declare on type-graphql's fields.
  Message.getFields().seenByMe.resolve = (m: { seenBy: string[] }, _: unknown, context: { viewerId: string }) => m.seenBy.includes(context.viewerId);
  Message.getFields().seenByMe.extensions = { viewerDependent: true };
  const Subscription = schema.getType('Subscription') as any;
  for (const field of ['messageAdded', 'messageSeen']) {
    Subscription.getFields()[field].subscribe = () => source.subscribe();
    Subscription.getFields()[field].resolve = (event: unknown) => event;
  }
  Subscription.getFields().messageAdded.extensions = { sharedExecution: true };

  const subscribe = (query: string, variableValues: Record<string, unknown>, viewerId = 'v') =>
    subscribeWithSharing({ schema, document: parse(query), variableValues, contextValue: { viewerId } }) as Promise<AsyncGenerator<ExecutionResult>>;

  it('executes an event once for subscribers whose selections agree, whatever their subscription arguments', async () => {
    const query = `subscription ($chatId: ID!, $afterSeq: Int) { messageAdded(chatId: $chatId, afterSeq: $afterSeq) { id body } }`;
    const subscribers = await Promise.all([1, 2, 3].map((afterSeq) => subscribe(query, { chatId: 'c', afterSeq })));
    const next = subscribers.map((s) => s.next());
    bodyResolutions = 0;
    source.emit({ id: '1', body: 'hi' });
    const results = await Promise.all(next);
    expect(results.map((r) => r.value)).toEqual(Array(3).fill({ data: { messageAdded: { id: '1', body: 'hi' } } }));
    expect(bodyResolutions).toBe(1);
    await Promise.all(subscribers.map((s) => s.return(undefined)));
  });

  it('executes separately when the selection set itself uses different variables', async () => {
    const query = `subscription ($chatId: ID!, $shout: Boolean) { messageAdded(chatId: $chatId) { body(shout: $shout) } }`;
    const [loud, quiet] = await Promise.all([subscribe(query, { chatId: 'c', shout: true }), subscribe(query, { chatId: 'c', shout: false })]);
    const next = [loud.next(), quiet.next()];
    bodyResolutions = 0;
    source.emit({ id: '2', body: 'hey' });
    const [l, q] = await Promise.all(next);
    expect([l.value, q.value]).toEqual([{ data: { messageAdded: { body: 'HEY' } } }, { data: { messageAdded: { body: 'hey' } } }]);
    expect(bodyResolutions).toBe(2);
    await Promise.all([loud.return(undefined), quiet.return(undefined)]);
  });

  it('executes per viewer, and never hands one viewer another’s answer, when the selection reaches a viewer-dependent field', async () => {
    const query = `subscription { messageAdded(chatId: "c") { id body ...Seen } } fragment Seen on Message { seenByMe }`;
    const [ada, bob] = await Promise.all([subscribe(query, {}, 'ada'), subscribe(query, {}, 'bob')]);
    const next = [ada.next(), bob.next()];
    bodyResolutions = 0;
    source.emit({ id: '4', body: 'yo', seenBy: ['ada'] });
    const [a, b] = await Promise.all(next);
    expect(a.value).toEqual({ data: { messageAdded: { id: '4', body: 'yo', seenByMe: true } } });
    expect(b.value).toEqual({ data: { messageAdded: { id: '4', body: 'yo', seenByMe: false } } });
    expect(bodyResolutions).toBe(2);
    await Promise.all([ada.return(undefined), bob.return(undefined)]);
  });

  it('shares nothing for a subscription that does not declare shared execution', async () => {
    const query = `subscription { messageSeen(chatId: "c") { id body } }`;
    const subscribers = await Promise.all([subscribe(query, {}, 'ada'), subscribe(query, {}, 'bob')]);
    const next = subscribers.map((s) => s.next());
    bodyResolutions = 0;
    source.emit({ id: '5', body: 'hm', seenBy: [] });
    const results = await Promise.all(next);
    expect(results.map((r) => r.value)).toEqual(Array(2).fill({ data: { messageSeen: { id: '5', body: 'hm' } } }));
    expect(results[0].value).not.toBe(results[1].value);
    expect(bodyResolutions).toBe(2);
    await Promise.all(subscribers.map((s) => s.return(undefined)));
  });

  it('passes return() to the source at once, even while waiting for an event', async () => {
    const sub = await subscribe(`subscription { messageAdded(chatId: "c") { id } }`, {});
    const pending = sub.next();
    const before = source.returned();
    await sub.return(undefined);
    expect(source.returned()).toBe(before + 1);
    source.emit({ id: '3', body: 'late' });
    void pending;
  });
});
