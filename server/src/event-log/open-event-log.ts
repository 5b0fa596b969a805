import type { Config } from '../config/config.js';
import { errorMessage, type Logger } from '../support/logger.js';
import { KafkaEventLog } from './kafka-event-log.js';
import { LocalEventLog } from './local-event-log.js';
import type { EventLog } from './port.js';
import type { ConsumerMeter } from '../observability/meters.js';

/** KAFKA_BROKERS picks Kafka; otherwise the in-process log. */
export async function openEventLog(config: Config, logger: Logger, meter?: ConsumerMeter): Promise<EventLog> {
  if (!config.kafkaBrokers) return new LocalEventLog();
  const log = new KafkaEventLog({ brokers: config.kafkaBrokers, partitions: config.kafkaPartitions, logger, meter });
  // Creates the topics now when Kafka is up; when it is not, Parley starts anyway and /readyz says so.
  log.ping().then(
    () => logger.info('Kafka event log ready', { topic: log.topic, brokers: config.kafkaBrokers }),
    (error: unknown) => logger.warn('Kafka is not reachable yet; sends answer UNAVAILABLE until it is', { error: errorMessage(error) }),
  );
  return log;
}
