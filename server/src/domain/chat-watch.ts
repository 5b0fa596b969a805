import { SubscriptionQueue } from '../realtime/subscription-queue.js';
import { chatChannel, userChannel, type BusSubscription, type RealtimeBus } from '../realtime/port.js';

/** Published on a user's channel: they joined a chat, or their read mark in it moved. */
export interface UserChatEvent {
  kind: 'chatJoined' | 'chatRead';
  chatId: string;
}

/** What a chat list follows: which chat changed. A fresh object per watcher (see below). */
export interface ChatChanged {
  chatId: string;
}

/**
 * Everything that changes how a user's chat list looks: a message in any of
 * their chats (each chat's own channel, which the persister already
 * publishes to), a chat they joined, a read mark moved on another device
 * (their user channel). Chats joined later are followed from the join on; a
 * chat they left is dropped. Each event is a new object because the chat's
 * fields (unreadCount, lastReadSeq) depend on the viewer, so a result must
 * never be shared between subscribers (shared-subscription-execution.ts
 * shares by event object).
 */
export async function watchChats(
  bus: RealtimeBus,
  viewerId: string,
  chatIds: () => Promise<string[]>,
): Promise<AsyncIterable<ChatChanged> & AsyncIterator<ChatChanged>> {
  const followed = new Map<string, BusSubscription<unknown>>();
  const queue = new SubscriptionQueue<ChatChanged>(() => {
    for (const subscription of followed.values()) subscription.close();
    followed.clear();
  });

  /*
   * Chats queued but not yet read. The resolver reads a chat's current state,
   * so a chat already waiting needs no second entry: a burst of messages costs
   * each watcher one chat load per read, not one per message.
   */
  const waiting = new Set<string>();
  const changed = (chatId: string) => {
    if (waiting.has(chatId)) return;
    waiting.add(chatId);
    queue.push({ chatId });
  };

  const pump = async (subscription: BusSubscription<unknown>, onEvent: (event: unknown) => void) => {
    try {
      for await (const event of subscription) onEvent(event);
    } catch (error) {
      queue.fail(error);
    }
  };

  const follow = async (chatId: string) => {
    if (followed.has(chatId) || queue.closed) return;
    const subscription = await bus.subscribe<unknown>(chatChannel(chatId));
    if (followed.has(chatId) || queue.closed) return subscription.close();
    followed.set(chatId, subscription);
    void pump(subscription, (event) => {
      const { kind, userId } = event as { kind?: string; userId?: string };
      if (kind === 'memberLeft' && userId === viewerId) {
        followed.get(chatId)?.close();
        followed.delete(chatId);
        return;
      }
      changed(chatId);
    });
  };

  // The user channel opens first: a chat joined while the list is read is still followed.
  const own = await bus.subscribe<UserChatEvent>(userChannel(viewerId));
  followed.set('', own);
  void pump(own, (event) => {
    const { kind, chatId } = event as UserChatEvent;
    if (kind === 'chatJoined') follow(chatId).catch((error: unknown) => queue.fail(error));
    changed(chatId);
  });
  try {
    const listed = await chatIds();
    await Promise.all(listed.map(follow));
    // Read again once every listed chat is followed: one left in between had its leave
    // published before this watch listened, so only this read can tell. (Chats joined
    // meanwhile came by the user channel, and may be newer than this read: they stay.)
    const current = new Set(await chatIds());
    for (const chatId of listed) {
      if (current.has(chatId)) continue;
      followed.get(chatId)?.close();
      followed.delete(chatId);
    }
  } catch (error) {
    queue.close();
    throw error;
  }

  const iterator = queue[Symbol.asyncIterator]();
  const watch: AsyncIterable<ChatChanged> & AsyncIterator<ChatChanged> = {
    next: () =>
      iterator.next().then((result) => {
        if (!result.done) waiting.delete(result.value.chatId);
        return result;
      }),
    return: () => iterator.return!(),
    [Symbol.asyncIterator]: () => watch,
  };
  return watch;
}
