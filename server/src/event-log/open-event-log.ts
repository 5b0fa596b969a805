import type { Config } from '../config/config.js';
import type { Logger } from '../support/logger.js';
import { LocalEventLog } from './local-event-log.js';
import type { EventLog } from './port.js';

/** KAFKA_BROKERS picks Kafka; otherwise the in-process log. */
export async function openEventLog(config: Config, _logger: Logger): Promise<EventLog> {
  if (config.kafkaBrokers) throw new Error('KAFKA_BROKERS: the Kafka event log is not built yet');
  return new LocalEventLog();
}
