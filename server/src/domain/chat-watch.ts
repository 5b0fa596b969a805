import { AsyncQueue } from '../support/async-queue.js';
import type { BusSubscription, RealtimeBus } from '../realtime/port.js';
import { chatChannel, userChannel, type ChatEvent, type MessageStored } from '../realtime/events.js';
import type { MemberChat, Message } from './models.js';

/** A chat as one watcher sees it, with its last message when the bus brought it. */
export interface WatchedChat extends MemberChat {
  lastMessage?: Message;
}

export interface ChatSource {
  /** Every chat the viewer is a member of. */
  chatIds(): Promise<string[]>;
  /** The chat as the viewer sees it now, or null once they are no longer a member. */
  load(chatId: string): Promise<MemberChat | null>;
}

/**
 * Everything that changes how a user's chat list looks: a message in any of
 * their chats (each chat's own channel, which the persister already
 * publishes to), a chat they joined, a read mark moved on another device
 * (their user channel). Chats joined later are followed from the join on; a
 * chat they left is dropped.
 *
 * A chat is loaded from the database once, when it first changes, and then
 * kept up to date from what the persister publishes (the chat's lastSeq, last
 * message and activity time): a message costs a watcher no query. Only the
 * viewer's own events (a join, a read mark moved elsewhere) load it again.
 * Each read yields a fresh object: unreadCount and lastReadSeq belong to this
 * viewer alone.
 */
export async function watchChats(bus: RealtimeBus, viewerId: string, source: ChatSource): Promise<AsyncIterable<WatchedChat> & AsyncIterator<WatchedChat>> {
  const followed = new Map<string, BusSubscription<unknown>>();
  const known = new Map<string, WatchedChat>();
  /** Chats being loaded, with the messages published meanwhile (the load may predate them); null once stale. */
  const loading = new Map<string, MessageStored[] | null>();
  const queue = new AsyncQueue<string>(() => {
    for (const subscription of followed.values()) subscription.close();
    followed.clear();
  });

  /* Chats queued but not yet read: a burst of messages costs each watcher one read, not one per message. */
  const waiting = new Set<string>();
  const changed = (chatId: string) => {
    if (waiting.has(chatId)) return;
    waiting.add(chatId);
    queue.push(chatId);
  };

  const unfollow = (chatId: string) => {
    followed.get(chatId)?.close();
    followed.delete(chatId);
    known.delete(chatId);
  };

  const pump = async <T>(subscription: BusSubscription<T>, onEvent: (event: T) => void) => {
    try {
      for await (const event of subscription) onEvent(event);
    } catch (error) {
      queue.fail(error);
    }
  };

  const onChatEvent = (chatId: string, event: ChatEvent) => {
    // Typing changes nothing a chat list shows.
    if (event.type === 'typing' || event.type === 'readMoved') return;
    if (event.type === 'memberLeft') {
      if (event.userId === viewerId) return unfollow(chatId);
      return changed(chatId);
    }
    const chat = known.get(chatId);
    if (event.type === 'messageChanged') {
      // Only the last message shows in a chat list; one not known here is read with the chat.
      if (chat?.lastMessageId !== event.message.id) return;
      chat.lastMessage = event.message;
      return changed(chatId);
    }
    // A membership change may have moved ownership: read the chat again rather than guess.
    if (event.message.kind.startsWith('MEMBER_')) {
      known.delete(chatId);
      if (loading.has(chatId)) loading.set(chatId, null);
    } else if (chat) apply(chat, event, viewerId);
    else loading.get(chatId)?.push(event);
    changed(chatId);
  };

  const follow = async (chatId: string) => {
    if (followed.has(chatId) || queue.closed) return;
    const subscription = await bus.subscribe(chatChannel(chatId));
    if (followed.has(chatId) || queue.closed) return subscription.close();
    followed.set(chatId, subscription);
    void pump(subscription, (event) => onChatEvent(chatId, event));
  };

  // The user channel opens first: a chat joined while the list is read is still followed.
  const own = await bus.subscribe(userChannel(viewerId));
  followed.set('', own);
  void pump(own, ({ type, chatId }) => {
    // The chat's own memberLeft ends the following (and is the one a leave is sure to publish).
    if (type === 'chatLeft') return;
    // The viewer's own read mark or membership moved: what is known of the chat is stale.
    known.delete(chatId);
    if (loading.has(chatId)) loading.set(chatId, null);
    if (type === 'chatJoined') follow(chatId).catch((error: unknown) => queue.fail(error));
    changed(chatId);
  });
  try {
    const listed = await source.chatIds();
    await Promise.all(listed.map(follow));
    // Read again once every listed chat is followed: one left in between had its leave
    // published before this watch listened, so only this read can tell. (Chats joined
    // meanwhile came by the user channel, and may be newer than this read: they stay.)
    const current = new Set(await source.chatIds());
    for (const chatId of listed) if (!current.has(chatId)) unfollow(chatId);
  } catch (error) {
    queue.close();
    throw error;
  }

  const iterator = queue[Symbol.asyncIterator]();
  const read = async (): Promise<IteratorResult<WatchedChat>> => {
    for (;;) {
      const result = await iterator.next();
      if (result.done) return result;
      const chatId = result.value;
      waiting.delete(chatId);
      let chat = known.get(chatId);
      if (!chat) {
        loading.set(chatId, []);
        let loaded: MemberChat | null;
        let published: MessageStored[] | null | undefined;
        try {
          loaded = await source.load(chatId);
        } finally {
          published = loading.get(chatId);
          loading.delete(chatId);
        }
        // No longer a member (the leave's own event ends the following).
        if (!loaded || !followed.has(chatId)) continue;
        chat = loaded;
        // Stale when the viewer's own event came meanwhile: yielded, not kept (that event queued another read).
        if (published) {
          for (const event of published) apply(chat, event, viewerId);
          known.set(chatId, chat);
        }
      }
      return { value: { ...chat }, done: false };
    }
  };
  const watch: AsyncIterable<WatchedChat> & AsyncIterator<WatchedChat> = {
    next: read,
    return: () => iterator.return!() as Promise<IteratorResult<WatchedChat>>,
    [Symbol.asyncIterator]: () => watch,
  };
  return watch;
}

/** Folds a stored message into what a watcher knows of its chat; an older republished one changes nothing. */
function apply(chat: WatchedChat, { message, chat: state }: MessageStored, viewerId: string): void {
  if (state.lastSeq > chat.lastSeq) {
    chat.lastSeq = state.lastSeq;
    chat.lastMessageId = state.lastMessageId;
    chat.lastMessage = message;
  }
  if (state.updatedAt > chat.updatedAt) chat.updatedAt = state.updatedAt;
  chat.lastEventSeq = Math.max(chat.lastEventSeq, message.eventSeq);
  chat.textCount = Math.max(chat.textCount, message.textSeq);
  if (message.kind === 'CHAT_RENAMED' && message.seq === chat.lastSeq) chat.title = message.body;
  // The persister moves a sender's read mark past their own text message.
  if (message.senderId === viewerId && message.kind === 'TEXT') {
    chat.lastReadSeq = Math.max(chat.lastReadSeq, message.seq);
    chat.readTextSeq = Math.max(chat.readTextSeq, message.textSeq);
  }
}
