import { describe, expect, it } from 'vitest';
import { watchChats } from '../../src/domain/chat-watch.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { chatChannel, userChannel } from '../../src/realtime/port.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const VIEWER = '00000000-0000-4000-8000-0000000000ff';

type Next = Promise<IteratorResult<{ chatId: string }>>;

/** What a pending read yields, or 'none' when nothing arrives within a short wait (the read stays pending). */
async function within(read: Next): Promise<string> {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('none'), 50));
  return Promise.race([read.then((r) => (r.done ? 'done' : r.value.chatId)), timeout]);
}

describe('watchChats', () => {
  it('queues a changed chat once until it is read, so a burst costs one chat load per read', async () => {
    const bus = new LocalRealtimeBus();
    const watch = await watchChats(bus, VIEWER, async () => [A, B]);
    try {
      for (let seq = 1; seq <= 5; seq++) await bus.publish(chatChannel(A), { chatId: A, seq });
      await bus.publish(chatChannel(B), { chatId: B, seq: 1 });
      await bus.publish(userChannel(VIEWER), { kind: 'chatRead', chatId: A });
      expect([await within(watch.next()), await within(watch.next())]).toEqual([A, B]);
      const third = watch.next();
      expect(await within(third)).toBe('none');
      // Once read, the chat is queued again by its next change.
      await bus.publish(chatChannel(A), { chatId: A, seq: 6 });
      expect(await within(third)).toBe(A);
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });

  it('drops a chat left while the watch was starting: its chat list no longer follows it', async () => {
    const bus = new LocalRealtimeBus();
    // The first read still lists B; the viewer left it (and its leave was published) before the watch followed it.
    const reads = [[A, B], [A]];
    const watch = await watchChats(bus, VIEWER, async () => reads.shift() ?? [A]);
    try {
      await bus.publish(chatChannel(B), { chatId: B, seq: 2 });
      await bus.publish(chatChannel(A), { chatId: A, seq: 1 });
      expect(await within(watch.next())).toBe(A);
      expect(await within(watch.next())).toBe('none');
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });
});
