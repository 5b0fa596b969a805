import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redisTargetOf } from '../src/config/config.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('reads a list of host:port as the cluster’s start-up nodes', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379, 10.0.0.2:7001,[::1]:7002' });
    expect(config.redisClusterNodes).toEqual([
      { host: 'redis-0', port: 6379 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(config.redisUrl).toBeUndefined();
    expect(redisTargetOf(config)).toEqual({ clusterNodes: config.redisClusterNodes });
  });

  it('is unset by default, and REDIS_URL stays one Redis', () => {
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    expect(redisTargetOf(loadConfig({}))).toBeUndefined();
    expect(redisTargetOf(loadConfig({ REDIS_URL: 'redis://cache:6379' }))).toEqual({ url: 'redis://cache:6379' });
  });

  it.each(['redis://a:6379', 'a', 'a:', 'a:0', 'a:65536', 'a:6379,', 'a:6379 b:6380', 'user@a:6379'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toThrow(/REDIS_URL .* or REDIS_CLUSTER_NODES .*not both/);
  });

  it('satisfies PERSISTER=external’s need for a shared Redis', () => {
    const shared = { KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://u@db/parley' };
    expect(loadConfig({ ...shared, PERSISTER: 'external', REDIS_CLUSTER_NODES: 'a:7000' }).persister).toBe('external');
    expect(() => loadConfig({ ...shared, PERSISTER: 'external' })).toThrow(/needs REDIS_URL: .*REDIS_CLUSTER_NODES in place of REDIS_URL will do/);
  });

  it('reads REDIS_CLUSTER_USERNAME, REDIS_CLUSTER_PASSWORD and REDIS_CLUSTER_TLS into how every node is reached', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_USERNAME: 'parley', REDIS_CLUSTER_PASSWORD: 's3cret', REDIS_CLUSTER_TLS: 'on' });
    expect(redisTargetOf(config)).toEqual({ clusterNodes: [{ host: 'a', port: 7000 }], username: 'parley', password: 's3cret', tls: true });
    // A password is taken as written, spaces and all.
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_PASSWORD: ' p@ss ' }).redisClusterAccess).toEqual({ password: ' p@ss ' });
    expect(redisTargetOf(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_PASSWORD: 's3cret', REDIS_CLUSTER_TLS: 'off' }))).toEqual({
      clusterNodes: [{ host: 'a', port: 7000 }],
      password: 's3cret',
    });
  });

  it('refuses them without REDIS_CLUSTER_NODES, a username without a password, and a TLS value other than on/off', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_PASSWORD: 's3cret' })).toThrow(/REDIS_CLUSTER_PASSWORD only apply to REDIS_CLUSTER_NODES .*REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_TLS: 'on' })).toThrow(/REDIS_CLUSTER_TLS only apply to REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_USERNAME: 'parley' })).toThrow(/REDIS_CLUSTER_USERNAME needs REDIS_CLUSTER_PASSWORD/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_TLS: 'yes' })).toThrow(/REDIS_CLUSTER_TLS/);
  });
});
