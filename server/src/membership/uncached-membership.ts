import type { MemberLoader, MembershipCache } from './port.js';

/** PostgreSQL without Redis: other instances may change a membership, and nothing would tell a cache here. */
export class UncachedMembership implements MembershipCache {
  constructor(private readonly load: MemberLoader) {}

  async isMember(chatId: string, userId: string): Promise<boolean | null> {
    const members = await this.load(chatId);
    return members === null ? null : members.includes(userId);
  }

  async invalidate(): Promise<void> {}
}
