/** Loads a chat's member ids from the database; null when the chat does not exist. */
export type MemberLoader = (chatId: string) => Promise<string[] | null>;

/** Answers "is this user a member of this chat?" on the hot paths (send, subscribe). */
export interface MembershipCache {
  /** true / false, or null when the chat does not exist. */
  isMember(chatId: string, userId: string): Promise<boolean | null>;
  /**
   * Called before a membership change (a failure stops the change) and again
   * once the database has it. Rejects when it cannot invalidate. After the
   * first call succeeded, nothing loaded before the change may be cached,
   * even if the second call fails.
   */
  invalidate(chatId: string): Promise<void>;
}
