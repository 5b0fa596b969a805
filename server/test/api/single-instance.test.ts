import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';

/*
 * Without REDIS_URL live messages stay inside the instance that stored them:
 * two such instances on one PostgreSQL would each deliver only half of a
 * chat, silently. The second one refuses to start instead.
 */

const canRun = relationalTargets.includes(postgresTarget);
const suite = canRun ? describe : describe.skip;
if (!canRun) console.warn('SKIPPED single-instance suite: it needs the machine PostgreSQL');

const SECRET = { JWT_SECRET: 'a-shared-secret-of-at-least-32-characters' };

suite('instances on one PostgreSQL without Redis', () => {
  let storage: Awaited<ReturnType<typeof postgresTarget.provision>>;
  let first: TestServer;
  beforeAll(async () => {
    storage = await postgresTarget.provision();
    first = await TestServer.attach(storage, SECRET);
  });
  afterAll(async () => {
    await first?.stop();
    await storage?.dispose();
  });

  it('refuses a second instance with one line naming REDIS_URL and the override', async () => {
    const error = await TestServer.attach(storage, SECRET).then(
      async (second) => {
        await second.stop();
        return null;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/REDIS_URL/);
    expect(error?.message).toMatch(/SINGLE_INSTANCE_CHECK=off/);
    expect(error?.message).not.toContain('\n');
    // The first one carries on.
    const [ada, bob] = [await signup(first), await signup(first)];
    await send(first, ada, await directChat(first, ada, bob), 'still serving');
  });

  it('starts a second instance with SINGLE_INSTANCE_CHECK=off, or with Redis', async () => {
    const envs: Record<string, string>[] = [{ SINGLE_INSTANCE_CHECK: 'off' }, ...(redisSkipReason ? [] : [{ REDIS_URL }])];
    for (const env of envs) {
      const second = await TestServer.attach(storage, { ...SECRET, ...env });
      expect((await second.readiness()).status).toBe(200);
      await second.stop();
    }
  });

  it('lets an instance start once the one before it has stopped (a restart)', async () => {
    await first.restart();
    const [ada, bob] = [await signup(first), await signup(first)];
    await send(first, ada, await directChat(first, ada, bob), 'after the restart');
  });
});
