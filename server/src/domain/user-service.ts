import { USER_CACHE_MAX } from '../config/tuning.js';
import type { UserRepository } from '../relational/ports.js';
import { BoundedMap } from '../support/bounded-map.js';
import { LIMITS } from './limits.js';
import { badInput } from './errors.js';
import { searchText } from './text.js';
import type { User } from './models.js';

export class UserService {
  /** First cached, first dropped: a lookup does not keep a user. */
  private readonly cache = new BoundedMap<string, User>({ max: USER_CACHE_MAX });
  /** Users being read now, by id: concurrent lookups share the query. */
  private readonly loading = new Map<string, Promise<User | null>>();

  constructor(private readonly users: UserRepository) {}

  /**
   * Cached users, and one query for the rest. A lookup in flight is shared:
   * a signal about a user reaches a hundred watchers' executions in one turn,
   * and each would otherwise query the same user before the first answer is
   * cached.
   */
  async byIds(ids: readonly string[]): Promise<Map<string, User>> {
    const result = new Map<string, User>();
    const missing: string[] = [];
    const waiting: Promise<void>[] = [];
    for (const id of ids) {
      const cached = this.cache.peek(id);
      if (cached) result.set(id, cached);
      else {
        const inFlight = this.loading.get(id);
        if (inFlight) waiting.push(inFlight.then((user) => void (user && result.set(id, user))));
        else missing.push(id);
      }
    }
    if (missing.length > 0) {
      const query = this.users.findByIds(missing);
      const found = query.then((users) => new Map(users.map((u) => [u.id, u])));
      for (const id of missing) {
        const one = found.then((users) => users.get(id) ?? null);
        one.catch(() => undefined);
        this.loading.set(id, one);
      }
      try {
        for (const user of await query) {
          result.set(user.id, user);
          this.cache.set(user.id, user);
        }
      } finally {
        for (const id of missing) this.loading.delete(id);
      }
    }
    await Promise.all(waiting);
    return result;
  }

  search(text: string | null | undefined, first: number | null | undefined): Promise<User[]> {
    const limit = first ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.searchMax) {
      throw badInput(`first must be between 1 and ${LIMITS.searchMax}`);
    }
    const query = text == null ? null : searchText(text, 'search', LIMITS.searchTextMax);
    return this.users.search(query, limit);
  }
}
