import type { UserRepository } from '../relational/ports.js';
import { LIMITS } from './limits.js';
import { badInput } from './errors.js';
import { searchText } from './text.js';
import type { User } from './models.js';

/** Profiles never change once created, so a bounded process-wide cache is always fresh. */
const CACHE_MAX = 50_000;

export class UserService {
  private cache = new Map<string, User>();

  constructor(private readonly users: UserRepository) {}

  async byIds(ids: readonly string[]): Promise<Map<string, User>> {
    const result = new Map<string, User>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.cache.get(id);
      if (cached) result.set(id, cached);
      else missing.push(id);
    }
    for (const user of await this.users.findByIds(missing)) {
      result.set(user.id, user);
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(user.id, user);
    }
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
