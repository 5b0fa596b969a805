import type { Config } from '../config/config.js';
import type { Logger } from '../observability/log.js';
import { errorMessage } from '../support/error-text.js';
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
    () => logger.info({ topic: log.topic, brokers: config.kafkaBrokers }, 'Kafka event log ready'),
    (error: unknown) => logger.warn({ error: errorMessage(error) }, 'Kafka is not reachable yet; sends answer UNAVAILABLE (and a persister waits) until it is'),
  );
  return log;
}
