import { PRESENCE_VERSIONS_REMEMBERED, RELISTEN_MS } from '../config/tuning.js';
import type { BusSubscription, RealtimeBus } from '../realtime/port.js';
import { presenceChannel, userChannel, type PresenceMoved, type UserChatEvent } from '../realtime/events.js';
import { AsyncQueue } from '../support/async-queue.js';
import type { Logger } from '../observability/log.js';
import { BoundedMap } from '../support/bounded-map.js';

/** A contact came online or went offline. */
export interface PresenceUpdate {
  userId: string;
  online: boolean;
  at: Date;
}

interface Watcher {
  viewerId: string;
  chats: Set<string>;
  queue: AsyncQueue<PresenceUpdate>;
}

/**
 * This instance's presenceChanged watchers, indexed by the chats they are in.
 * The instance listens once to the presence channel; a change names the
 * chats of the person it is about, so telling the watchers who share one
 * costs a map lookup per chat, never a query. A watcher's chats are read
 * once and then followed on their own user channel (joins and leaves).
 */
export class PresenceFeed {
  private readonly byChat = new Map<string, Set<Watcher>>();
  private readonly versions = new BoundedMap<string, number>({ max: PRESENCE_VERSIONS_REMEMBERED });
  private listening: BusSubscription<PresenceMoved> | null = null;

  constructor(
    private readonly bus: RealtimeBus,
    private readonly chatIdsOf: (userId: string) => Promise<string[]>,
    private readonly logger: Logger,
  ) {}

  /** Resolves once this instance listens; after a bus outage it listens again by itself. */
  async start(): Promise<void> {
    const subscription = await this.bus.subscribe(presenceChannel());
    this.listening = subscription;
    void this.pump(subscription);
  }

  private async pump(subscription: BusSubscription<PresenceMoved>): Promise<void> {
    try {
      for await (const change of subscription) this.deliver(change);
    } catch (error) {
      // The bus lost its connection: watchers end too, and resubscribe (reading presence afresh).
      this.logger.warn({ err: error }, 'presence channel ended; presenceChanged subscriptions end with it');
      for (const watchers of this.byChat.values()) for (const watcher of watchers) watcher.queue.fail(error);
    }
    while (this.listening === subscription) {
      await new Promise((resolve) => setTimeout(resolve, RELISTEN_MS).unref());
      if (this.listening !== subscription) return;
      try {
        return await this.start();
      } catch {
        // Still down: try again.
      }
    }
  }

  close(): void {
    const listening = this.listening;
    this.listening = null;
    listening?.close();
  }

  /** The viewer's contacts coming and going, from now on. */
  async watch(viewerId: string): Promise<AsyncIterable<PresenceUpdate>> {
    const watcher: Watcher = { viewerId, chats: new Set(), queue: new AsyncQueue(() => closeWatch()) };
    const join = (chatId: string) => {
      if (watcher.queue.closed || watcher.chats.has(chatId)) return;
      watcher.chats.add(chatId);
      let watchers = this.byChat.get(chatId);
      if (!watchers) this.byChat.set(chatId, (watchers = new Set()));
      watchers.add(watcher);
    };
    const part = (chatId: string) => {
      watcher.chats.delete(chatId);
      const watchers = this.byChat.get(chatId);
      watchers?.delete(watcher);
      if (watchers?.size === 0) this.byChat.delete(chatId);
    };
    // Their own channel first: a chat joined or left while their chats are read is not missed.
    const own = await this.bus.subscribe(userChannel(viewerId));
    const closeWatch = () => {
      own.close();
      for (const chatId of [...watcher.chats]) part(chatId);
    };
    const apply = ({ type, chatId }: UserChatEvent) => {
      if (type === 'chatJoined') join(chatId);
      else if (type === 'chatLeft') part(chatId);
    };
    // Joins and leaves heard while the chats are read wait for the read, then apply on top of it:
    // a read that began before a leave may still list the chat left.
    let heldBack: UserChatEvent[] | null = [];
    void (async () => {
      try {
        for await (const event of own) {
          if (heldBack) heldBack.push(event);
          else apply(event);
        }
      } catch (error) {
        watcher.queue.fail(error);
      }
    })();
    try {
      for (const chatId of await this.chatIdsOf(viewerId)) join(chatId);
    } catch (error) {
      watcher.queue.close();
      throw error;
    }
    const heard = heldBack;
    heldBack = null;
    for (const event of heard) apply(event);
    return watcher.queue;
  }

  private deliver({ userId, online, at, version, chatIds }: PresenceMoved): void {
    const known = this.versions.peek(userId);
    if (known !== undefined && known >= version) return;
    this.versions.set(userId, version);
    const told = new Set<Watcher>();
    const update: PresenceUpdate = { userId, online, at };
    for (const chatId of chatIds) {
      for (const watcher of this.byChat.get(chatId) ?? []) {
        if (watcher.viewerId === userId || told.has(watcher)) continue;
        told.add(watcher);
        watcher.queue.push(update);
      }
    }
  }
}
