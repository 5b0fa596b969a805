import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstancePair } from '../support/instance-pair.js';
import { TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';

/*
 * Without REDIS_URL live messages stay inside the instance that stored them:
 * two such instances on one PostgreSQL would each deliver only half of a
 * chat, silently, and so would a mix of one with Redis and one without (the
 * one without never publishes to Redis, nor hears it). Whichever starts
 * second refuses to start instead; instances that all have Redis share.
 */

/** The error starting one more instance raised, or null when it started (it is stopped again). */
const startError = (storage: Awaited<ReturnType<typeof postgresTarget.provision>>, env: Record<string, string>) =>
  TestServer.attach(storage, env).then(
    async (second) => {
      await second.stop();
      return null;
    },
    (e: unknown) => e as Error,
  );

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

  it('starts a second instance with SINGLE_INSTANCE_CHECK=off', async () => {
    const second = await TestServer.attach(storage, { ...SECRET, SINGLE_INSTANCE_CHECK: 'off' });
    expect((await second.readiness()).status).toBe(200);
    await second.stop();
  });

  it.skipIf(redisSkipReason)('refuses a second instance with Redis too (a mixed deployment), unless its check is off', async () => {
    const error = await startError(storage, { ...SECRET, REDIS_URL });
    expect(error?.message).toMatch(/without REDIS_URL/);
    expect(error?.message).toMatch(/SINGLE_INSTANCE_CHECK=off/);
    expect(error?.message).not.toContain('\n');
    expect(await startError(storage, { ...SECRET, REDIS_URL, SINGLE_INSTANCE_CHECK: 'off' })).toBeNull();
  });

  it('lets an instance start once the one before it has stopped (a restart)', async () => {
    await first.restart();
    const [ada, bob] = [await signup(first), await signup(first)];
    await send(first, ada, await directChat(first, ada, bob), 'after the restart');
  });
});

describe.skipIf(!canRun || redisSkipReason !== null)('instances on one PostgreSQL with Redis', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await InstancePair.start({ REDIS_URL });
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('run side by side, and refuse a third instance without Redis, unless its check is off', async () => {
    expect((await pair.a.readiness()).status).toBe(200);
    expect((await pair.b.readiness()).status).toBe(200);
    const error = await startError(pair.storage, { ...SECRET });
    expect(error?.message).toMatch(/REDIS_URL/);
    expect(error?.message).toMatch(/SINGLE_INSTANCE_CHECK=off/);
    expect(await startError(pair.storage, { ...SECRET, SINGLE_INSTANCE_CHECK: 'off' })).toBeNull();
    // The pair carries on, across instances.
    const [ada, bob] = [await signup(pair.a), await signup(pair.b)];
    await send(pair.b, ada, await directChat(pair.a, ada, bob), 'still serving');
  });
});
