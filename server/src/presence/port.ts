/** A change of someone's presence across every instance: the `version`-th change of anyone's (a change overtaken on the way is stale). */
export interface PresenceChange {
  userId: string;
  online: boolean;
  /** When they came online, or when their last socket closed. */
  at: Date;
  version: number;
}

/**
 * Who holds an authenticated socket, across instances. An instance tells it
 * when it holds a user's first socket and when it holds none any more; the
 * registry answers with a change only when that made the user online or
 * offline everywhere, so each change is announced once, by one instance.
 * An instance that stops beating (kill -9) has its users taken offline by
 * the next instance that beats.
 */
export interface PresenceRegistry {
  /** This instance now holds a socket of the user: the change when nobody held one. */
  arrive(userId: string, at: Date): Promise<PresenceChange | null>;
  /** This instance holds no socket of the user since `at`: the change when no live instance holds one. */
  depart(userId: string, at: Date): Promise<PresenceChange | null>;
  /** Which of these users are online. */
  online(userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Keeps this instance alive for another `ttlMs`. Returns the users of
   * instances that stopped beating, now offline, and says when this
   * instance's own registration was lost (swept after a long pause, or Redis
   * lost its data): then its users must arrive again.
   */
  beat(ttlMs: number): Promise<{ changes: PresenceChange[]; lost: boolean }>;
  /**
   * This instance is going, still holding `held`: the changes it must
   * announce now. Shared registries let another instance take them offline
   * once `graceMs` has passed, unless they are back elsewhere by then, and
   * answer none; the embedded one takes them offline `at` once.
   */
  leave(held: readonly string[], graceMs: number, at: Date): Promise<PresenceChange[]>;
}
