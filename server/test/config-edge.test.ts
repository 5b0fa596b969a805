import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

describe('edge configuration (requests, proxies, sockets, tokens)', () => {
  it('reads every variable', () => {
    const { edge } = loadConfig({
      MAX_REQUEST_BYTES: '65536',
      TRUST_PROXY: '2',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '7',
      MAX_SOCKETS_PER_USER: '3',
      TOKEN_LIFETIME: '12h',
      MAX_WS_MESSAGE_BYTES: '8192',
      CONNECTION_INIT_WAIT: '20s',
      MAX_CONCURRENT_OPERATIONS_PER_USER: '4',
      CORS_ORIGINS: 'https://chat.example.com,http://localhost:5173',
    });
    expect(edge).toEqual({
      maxRequestBytes: 65_536,
      maxWsMessageBytes: 8192,
      connectionInitWaitMs: 20_000,
      maxConcurrentOperationsPerUser: 4,
      trustProxy: 2,
      maxSubscriptionsPerSocket: 7,
      maxSocketsPerUser: 3,
      tokenLifetimeMs: 12 * 3_600_000,
      corsOrigins: ['https://chat.example.com', 'http://localhost:5173'],
    });
    expect(loadConfig({ TOKEN_LIFETIME: '90s' }).edge.tokenLifetimeMs).toBe(90_000);
    expect(loadConfig({ TRUST_PROXY: '0' }).edge.trustProxy).toBe(0);
  });

  it.each([
    [{ MAX_REQUEST_BYTES: '0' }, /^MAX_REQUEST_BYTES /],
    [{ MAX_REQUEST_BYTES: '1MB' }, /^MAX_REQUEST_BYTES /],
    [{ TRUST_PROXY: 'true' }, /^TRUST_PROXY /],
    [{ TRUST_PROXY: '-1' }, /^TRUST_PROXY /],
    [{ MAX_SUBSCRIPTIONS_PER_SOCKET: '0' }, /^MAX_SUBSCRIPTIONS_PER_SOCKET /],
    [{ MAX_SOCKETS_PER_USER: 'lots' }, /^MAX_SOCKETS_PER_USER /],
    [{ TOKEN_LIFETIME: '30' }, /^TOKEN_LIFETIME /],
    [{ MAX_WS_MESSAGE_BYTES: '0' }, /^MAX_WS_MESSAGE_BYTES /],
    [{ CONNECTION_INIT_WAIT: '10' }, /^CONNECTION_INIT_WAIT /],
    [{ CONNECTION_INIT_WAIT: '2m' }, /^CONNECTION_INIT_WAIT /],
    [{ MAX_CONCURRENT_OPERATIONS_PER_USER: '0' }, /^MAX_CONCURRENT_OPERATIONS_PER_USER /],
    [{ TOKEN_LIFETIME: '0s' }, /^TOKEN_LIFETIME /],
    [{ TOKEN_LIFETIME: '400d' }, /^TOKEN_LIFETIME /],
    [{ CORS_ORIGINS: 'https://chat.example.com/' }, /^CORS_ORIGINS: /],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
