import { describe, expect, it } from 'vitest';
import type { User } from '../../src/domain/models.js';
import { UserService } from '../../src/domain/user-service.js';
import type { UserRepository } from '../../src/relational/ports.js';

const user = (id: string): User => ({ id, username: `u${id}`, displayName: `U ${id}`, createdAt: new Date(0), isBot: false });

describe('UserService.byIds', () => {
  it('shares a lookup in flight: a hundred executions asking for one user in one turn cost one query', async () => {
    const queries: string[][] = [];
    const repository = {
      findByIds: async (ids: readonly string[]) => {
        queries.push([...ids]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return ids.filter((id) => id !== 'ghost').map(user);
      },
    } as unknown as UserRepository;
    const users = new UserService(repository);
    const answers = await Promise.all(Array.from({ length: 100 }, () => users.byIds(['a', 'ghost'])));
    expect(queries).toEqual([['a', 'ghost']]);
    for (const answer of answers) expect([...answer.keys()]).toEqual(['a']);
    // Cached from then on; an unknown id is asked again (it may exist by now).
    await users.byIds(['a', 'b', 'ghost']);
    expect(queries).toEqual([['a', 'ghost'], ['b', 'ghost']]);
  });

  it('lets every waiter see a failed lookup fail, and the next one try again', async () => {
    let calls = 0;
    const repository = {
      findByIds: async (ids: readonly string[]) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (calls === 1) throw new Error('database down');
        return ids.map(user);
      },
    } as unknown as UserRepository;
    const users = new UserService(repository);
    const results = await Promise.allSettled([users.byIds(['a']), users.byIds(['a'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect([...(await users.byIds(['a'])).keys()]).toEqual(['a']);
  });
});
