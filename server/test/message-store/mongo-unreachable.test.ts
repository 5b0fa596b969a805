import { describe, expect, it } from 'vitest';
import { MongoMessageStore } from '../../src/message-store/mongo-message-store.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { freePort } from '../support/redis.js';

/*
 * Parley refuses to start without its message store: every history read needs
 * it, and no message may be written before the unique indexes exist. What is
 * checked here is that the refusal is prompt and says what to fix.
 */

/** A port that was free a moment ago: connecting to it is refused at once. */
const closedPort = freePort;

async function failureOf(start: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  const error = await start().then(
    () => null,
    (thrown: unknown) => thrown,
  );
  const ms = performance.now() - started;
  if (!(error instanceof Error)) throw new Error(`expected the start to fail, got ${String(error)}`);
  return { error, ms };
}

const BOUND_MS = 10_000;

describe('an unreachable MongoDB', () => {
  it('fails opening the store within the bound, in one line that names MONGO_URL and hides the password', async () => {
    const port = await closedPort();
    const { error, ms } = await failureOf(() => MongoMessageStore.open({ url: `mongodb://parley:s3cret@127.0.0.1:${port}/parley` }));
    expect(error.message).toMatch(
      new RegExp(`^MONGO_URL: MongoDB at mongodb://parley:\\*\\*\\*@127\\.0\\.0\\.1:${port}/parley did not answer: .*ECONNREFUSED`),
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toMatch(/\n/);
    expect((error.cause as Error).name).toBe('MongoServerSelectionError');
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('honours a bound set in MONGO_URL itself', async () => {
    const port = await closedPort();
    const { error, ms } = await failureOf(() => MongoMessageStore.open({ url: `mongodb://127.0.0.1:${port}/parley?serverSelectionTimeoutMS=1000` }));
    expect(error.message).toMatch(/^MONGO_URL: MongoDB at .* did not answer: /);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3000);
  });

  it('stops Parley from starting, within the bound, with that line', async () => {
    const port = await closedPort();
    const storage = await pgliteTarget.provision();
    try {
      // The relational database boots first (about 5 s for a fresh PGlite here), so the
      // URL shortens the MongoDB wait to keep this start well inside the bound.
      const url = `mongodb://127.0.0.1:${port}/parley?serverSelectionTimeoutMS=2000`;
      const { error, ms } = await failureOf(() => TestServer.attach(storage, { MONGO_URL: url }));
      // main.ts prints `parley: could not start: <message>` and exits 1.
      expect(error.message).toMatch(new RegExp(`^MONGO_URL: MongoDB at mongodb://127\\.0\\.0\\.1:${port}/parley\\?\\S+ did not answer: `));
      expect(error.message).not.toMatch(/\n/);
      // A guard against hanging, not a speed check: PGlite's boot before it takes 5 s to 12 s here
      // depending on what else the machine runs; the MongoDB part alone is bounded above.
      expect(ms).toBeLessThan(3 * BOUND_MS);
    } finally {
      await storage.dispose();
    }
  });
});
