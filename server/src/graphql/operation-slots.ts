import { DomainError } from '../domain/errors.js';

/*
 * Queries and mutations one user has executing at once on this instance,
 * over HTTP and every socket together. The cost limit bounds one operation;
 * without this, one user could still run as many costly ones at once as it
 * can open requests (HTTP, plus MAX_SUBSCRIPTIONS_PER_SOCKET on each of
 * MAX_SOCKETS_PER_USER sockets). Live subscriptions are not counted: they
 * mostly wait, and have their own caps. Anonymous operations (signup, login)
 * have their own rate limits, by address.
 */

/** What a refused client is told to wait: operations here take milliseconds, and a slot frees when one ends. */
export const OPERATION_SLOT_RETRY_MS = 250;

export class OperationSlots {
  private readonly running = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  /** A slot for one operation of `userId`, released by the function returned; RATE_LIMITED when the user holds them all. */
  take(userId: string): (() => void) | DomainError {
    const held = this.running.get(userId) ?? 0;
    if (held >= this.perUser) {
      return new DomainError('RATE_LIMITED', `Too many operations at once: at most ${this.perUser} per user; retry when one has finished`, {
        retryAfterMs: OPERATION_SLOT_RETRY_MS,
      });
    }
    this.running.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(userId) ?? 1) - 1;
      if (left > 0) this.running.set(userId, left);
      else this.running.delete(userId);
    };
  }
}
