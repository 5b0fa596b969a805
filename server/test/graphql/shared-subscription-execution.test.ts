import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subscribeShared } from '../../src/graphql/shared-subscription-execution.js';

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

describe('subscribeShared', () => {
  const source = broadcast();
  let bodyResolutions = 0;
  const schema = buildSchema(`
    type Message { id: ID! body(shout: Boolean): String! }
    type Query { ok: Boolean }
    type Subscription { messageAdded(chatId: ID!, afterSeq: Int): Message! }
  `);
  const Message = schema.getType('Message') as any;
  Message.getFields().body.resolve = (m: { body: string }, args: { shout?: boolean }) => {
    bodyResolutions++;
    return args.shout ? m.body.toUpperCase() : m.body;
  };
  const Subscription = schema.getType('Subscription') as any;
  Subscription.getFields().messageAdded.subscribe = () => source.subscribe();
  Subscription.getFields().messageAdded.resolve = (event: unknown) => event;

  const subscribe = (query: string, variableValues: Record<string, unknown>) =>
    subscribeShared({ schema, document: parse(query), variableValues }) as Promise<AsyncGenerator<ExecutionResult>>;

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
