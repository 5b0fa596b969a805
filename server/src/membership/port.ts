/** Where members are read from: the database. */
export interface MemberSource {
  /** A chat's member ids (to fill a cache); null when the chat does not exist. */
  membersOf(chatId: string): Promise<string[] | null>;
  /** One user's membership, by one indexed lookup (where nothing is cached); null when the chat does not exist. */
  isMember(chatId: string, userId: string): Promise<boolean | null>;
}

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
