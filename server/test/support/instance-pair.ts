import { afterAll, beforeAll } from 'vitest';
import { TestServer } from './server.js';
import { postgresTarget } from './targets.js';

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
