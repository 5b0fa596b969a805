import { LOCAL_MEMBERSHIP_CHATS_MAX } from '../config/tuning.js';
import { BoundedMap } from '../support/bounded-map.js';
import type { MemberSource, MembershipCache } from './port.js';

/**
 * Members per chat in the process, for when the database is embedded too and
 * so no other process can change a membership behind this one's back. Without
 * it every send and subscribe loads the chat's whole member list.
 */
export class LocalMembershipCache implements MembershipCache {
  /** Least recently used chats go first. */
  private readonly members: BoundedMap<string, Set<string>>;
  /**
   * Bumped by every invalidation, of any chat: a load that started before a
   * bump may hold a pre-change list, so it answers its own call but is not
   * stored. One counter for all chats, since changes are rare and per-chat
   * counters would need evicting too.
   */
  private generation = 0;

  constructor(
    private readonly source: MemberSource,
    maxChats = LOCAL_MEMBERSHIP_CHATS_MAX,
  ) {
    this.members = new BoundedMap({ max: maxChats });
  }

  async isMember(chatId: string, userId: string): Promise<boolean | null> {
    const cached = this.members.get(chatId);
    if (cached) return cached.has(userId);
    const seenGeneration = this.generation;
    const ids = await this.source.membersOf(chatId);
    // A missing chat is not remembered: nothing invalidates a chat when it is created.
    if (ids === null) return null;
    const loaded = new Set(ids);
    if (seenGeneration === this.generation) this.members.set(chatId, loaded);
    return loaded.has(userId);
  }

  async invalidate(chatId: string): Promise<void> {
    this.generation++;
    this.members.delete(chatId);
  }
}
