import type { MemberLoader, MembershipCache } from './port.js';

/** Enough for every active chat of one embedded instance, small enough to ignore (a few MiB). */
const MAX_CHATS = 10_000;

/**
 * Members per chat in the process, for when the database is embedded too and
 * so no other process can change a membership behind this one's back. Without
 * it every send and subscribe loads the chat's whole member list.
 */
export class LocalMembershipCache implements MembershipCache {
  /** Insertion order is use order (a hit moves its chat to the end), so the first key is the one to evict. */
  private readonly members = new Map<string, Set<string>>();
  /**
   * Bumped by every invalidation, of any chat: a load that started before a
   * bump may hold a pre-change list, so it answers its own call but is not
   * stored. One counter for all chats, since changes are rare and per-chat
   * counters would need evicting too.
   */
  private generation = 0;

  constructor(
    private readonly load: MemberLoader,
    private readonly maxChats = MAX_CHATS,
  ) {}

  async isMember(chatId: string, userId: string): Promise<boolean | null> {
    const cached = this.members.get(chatId);
    if (cached) {
      this.members.delete(chatId);
      this.members.set(chatId, cached);
      return cached.has(userId);
    }
    const seenGeneration = this.generation;
    const ids = await this.load(chatId);
    // A missing chat is not remembered: nothing invalidates a chat when it is created.
    if (ids === null) return null;
    const loaded = new Set(ids);
    if (seenGeneration === this.generation) this.store(chatId, loaded);
    return loaded.has(userId);
  }

  async invalidate(chatId: string): Promise<void> {
    this.generation++;
    this.members.delete(chatId);
  }

  private store(chatId: string, ids: Set<string>): void {
    this.members.delete(chatId);
    this.members.set(chatId, ids);
    if (this.members.size > this.maxChats) this.members.delete(this.members.keys().next().value!);
  }
}
