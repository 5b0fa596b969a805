import { afterAll, beforeAll, expect } from 'vitest';
import { subscribeMessages, TestServer } from './server.js';
import { postgresTarget } from './targets.js';
import { directChat, send, signup } from './users.js';

/** The secret every instance of a deployment shares, so a token from one is good on the other. */
export const SHARED_JWT_SECRET = 'a-shared-secret-of-at-least-32-characters';

/** Two API instances on one throwaway PostgreSQL database: the shape of a multi-instance deployment. */
export class InstancePair {
  private constructor(
    readonly a: TestServer,
    readonly b: TestServer,
    readonly storage: Awaited<ReturnType<typeof postgresTarget.provision>>,
  ) {}

  static async start(env: Record<string, string>): Promise<InstancePair> {
    const storage = await postgresTarget.provision();
    const withSecret = { JWT_SECRET: SHARED_JWT_SECRET, ...env };
    try {
      const a = await TestServer.attach(storage, withSecret);
      const b = await TestServer.attach(storage, withSecret).catch(async (error: unknown) => {
        await a.stop();
        throw error;
      });
      return new InstancePair(a, b, storage);
    } catch (error) {
      await storage.dispose();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.a.stop(), this.b.stop()]);
    await this.storage.dispose();
  }
}

/**
 * Two instances for the enclosing describe block: started before its tests,
 * stopped after them. Read `a` and `b` inside the tests.
 */
export function instancePairForSuite(env: Record<string, string>): { readonly a: TestServer; readonly b: TestServer } {
  let pair: InstancePair | undefined;
  beforeAll(async () => {
    pair = await InstancePair.start(env);
  });
  afterAll(async () => {
    await pair?.stop();
  });
  const started = () => {
    if (!pair) throw new Error('the instance pair has not started');
    return pair;
  };
  return {
    get a() {
      return started().a;
    },
    get b() {
      return started().b;
    },
  };
}

/**
 * Both instances persist into one chat at once, and subscribers on each get
 * every message once, in seq order, with no gap: what any shared bus must
 * give two instances (multi-instance.test.ts on Redis, redis-cluster.test.ts
 * on a Redis Cluster).
 */
export async function expectDeliveryAcross(a: TestServer, b: TestServer): Promise<void> {
  const ada = await signup(a);
  const bob = await signup(b);
  const chatId = await directChat(a, ada, bob);
  const wsA = a.wsClient(ada.token);
  const wsB = b.wsClient(bob.token);
  const onA = subscribeMessages(wsA, chatId, 0);
  const onB = subscribeMessages(wsB, chatId, 0);
  try {
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => send(a, ada, chatId, `from a ${i}`)),
      ...Array.from({ length: 5 }, (_, i) => send(b, bob, chatId, `from b ${i}`)),
    ]);
    for (const sub of [onA, onB]) {
      const got = await sub.waitFor(10);
      expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(new Set(got.map((m) => m.body)).size).toBe(10);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(onA.events).toHaveLength(10);
    expect(onB.events).toHaveLength(10);
  } finally {
    onA.close();
    onB.close();
    await wsA.dispose();
    await wsB.dispose();
  }
}
