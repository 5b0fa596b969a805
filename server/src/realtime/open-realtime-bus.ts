import type { Config } from '../config/config.js';
import type { Logger } from '../support/logger.js';
import { LocalRealtimeBus } from './local-realtime-bus.js';
import type { RealtimeBus } from './port.js';

/** REDIS_URL picks Redis; otherwise in-process fan-out. */
export async function openRealtimeBus(config: Config, _logger: Logger): Promise<RealtimeBus> {
  if (config.redisUrl) throw new Error('REDIS_URL: the Redis realtime bus is not built yet');
  return new LocalRealtimeBus();
}
