import type { MemberSource, MembershipCache } from './port.js';

/** PostgreSQL without Redis: other instances may change a membership, and nothing would tell a cache here. */
export class UncachedMembership implements MembershipCache {
  constructor(private readonly source: MemberSource) {}

  isMember(chatId: string, userId: string): Promise<boolean | null> {
    return this.source.isMember(chatId, userId);
  }

  async invalidate(): Promise<void> {}
}
