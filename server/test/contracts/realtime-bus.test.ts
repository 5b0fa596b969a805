import { describe, it } from 'vitest';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { openRealtimeBus } from '../../src/realtime/open-realtime-bus.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/log.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { realtimeBusContract } from './realtime-bus.contract.js';
import { clusterSkipReason, redisClusterForSuite } from '../support/redis-cluster.js';

realtimeBusContract('local', async () => new LocalRealtimeBus());

if (redisSkipReason) describe.skip(`redis adapter: skipped, ${redisSkipReason}`, () => it.skip('contract'));
else realtimeBusContract('redis', () => openRealtimeBus(loadConfig({ REDIS_URL }), silentLogger));

if (clusterSkipReason) describe.skip(`redis cluster adapter (sharded pub/sub): skipped, ${clusterSkipReason}`, () => it.skip('contract'));
else {
  describe('on a Redis Cluster', () => {
    const redis = redisClusterForSuite();
    realtimeBusContract('redis cluster (sharded pub/sub)', () => openRealtimeBus(loadConfig({ REDIS_CLUSTER_NODES: redis.cluster.env }), silentLogger));
  });
}
