import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READINESS_PROBE_MS } from '../../src/config/tuning.js';
import type { CuttableProxy } from '../support/cuttable-proxy.js';
import { serverBehindProxy, type ProxiedPostgres } from '../support/proxied-postgres.js';
import { TestServer, type GraphQLResponse } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { signup, type TestUser } from '../support/users.js';

/*
 * PostgreSQL hangs under a running server (the proxy between them stalls:
 * connections stay open, no byte moves, nothing errors). Only the pool's own
 * timeouts can notice, so with short ones configured every request must come
 * back UNAVAILABLE within a few seconds and /readyz within 2 s, instead of
 * waiting for TCP to give up (minutes).
 */

const canRun = relationalTargets.includes(postgresTarget);
if (!canRun) console.warn('SKIPPED PostgreSQL hang suite: it needs the machine PostgreSQL');

/** A POST that gives up after `ms`: a hang is a failed test with a message, not a stuck run. */
async function timed(url: string, body: unknown, token: string | undefined, ms: number) {
  const started = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  });
  return { result: (await response.json()) as GraphQLResponse, elapsed: Date.now() - started };
}

describe.skipIf(!canRun)('a hung PostgreSQL', () => {
  let pg: ProxiedPostgres;
  let proxy: CuttableProxy;
  let server: TestServer;
  let ada: TestUser;

  beforeAll(async () => {
    pg = await serverBehindProxy({ DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    ({ server, proxy } = pg);
    ada = await signup(server);
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('answers UNAVAILABLE within the configured timeouts, /readyz within 2 s, and recovers', async () => {
    proxy.stall();
    try {
      const readyStarted = Date.now();
      const ready = await fetch(server.url.replace(/\/graphql$/, '/readyz'), { signal: AbortSignal.timeout(5000) });
      expect(Date.now() - readyStarted).toBeLessThan(2000);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { engines: Record<string, string>; latencyMs: Record<string, number> };
      expect(body.engines.relational).toBe('down');
      // A hung engine's latency is how long it took to give up: its own timeout, or at most the probe deadline.
      expect(body.latencyMs.relational).toBeGreaterThan(500);
      expect(body.latencyMs.relational).toBeLessThan(READINESS_PROBE_MS + 200);

      // Several at once: more than fit in flight on the hung connections, so some also wait for one.
      const calls = await Promise.all([
        timed(server.url, { query: '{ chats { edges { node { id } } } }' }, ada.token, 8000),
        timed(server.url, { query: '{ me { id } }' }, ada.token, 8000),
        timed(server.url, { query: 'mutation ($u: String!) { login(username: $u, password: "correct horse battery") { token } }', variables: { u: ada.username } }, undefined, 8000),
        timed(server.url, { query: 'mutation { createGroupChat(title: "g", memberIds: []) { id } }' }, ada.token, 8000),
      ]);
      for (const { result, elapsed } of calls) {
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
        expect(elapsed).toBeLessThan(5000);
      }
    } finally {
      proxy.restore();
    }
    const after = await timed(server.url, { query: '{ chats { edges { node { id } } } }' }, ada.token, 8000);
    expect(after.result.errors).toBeUndefined();
  }, 30_000);
});
