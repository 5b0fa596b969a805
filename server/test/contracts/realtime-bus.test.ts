import { describe, it } from 'vitest';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { openRealtimeBus } from '../../src/realtime/open-realtime-bus.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/log.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { realtimeBusContract } from './realtime-bus.contract.js';

realtimeBusContract('local', async () => new LocalRealtimeBus());

if (redisSkipReason) describe.skip(`redis adapter: skipped, ${redisSkipReason}`, () => it.skip('contract'));
else realtimeBusContract('redis', () => openRealtimeBus(loadConfig({ REDIS_URL }), silentLogger));
