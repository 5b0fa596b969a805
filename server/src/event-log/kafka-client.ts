import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { KAFKA_REQUEST_TIMEOUT_MS } from '../config/tuning.js';
import type { Logger } from '../observability/log.js';

/**
 * Two kafkajs clients with different patience. The write side (appends,
 * dead letters, topic setup, readiness) gives up within seconds, because a
 * sender is waiting on it and sendMessage's promise (SEND_ANSWER_MS) must
 * hold. The consumer side may wait longer per request; it retries forever on
 * its own schedule anyway, and group joins and fetches set their own timeouts.
 */
export function writeClient(brokers: string[], logger: Logger): Kafka {
  return new Kafka({
    clientId: 'parley',
    brokers,
    connectionTimeout: 1_500,
    requestTimeout: KAFKA_REQUEST_TIMEOUT_MS,
    enforceRequestTimeout: true,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.WARN,
    logCreator: bridgeLogs(logger),
  });
}

export function consumeClient(brokers: string[], logger: Logger): Kafka {
  return new Kafka({
    clientId: 'parley-persister',
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    // Bounds a connect attempt (so close() does not wait long for one); our loop retries after it.
    retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator: bridgeLogs(logger),
  });
}

/**
 * The idempotent producer warns about bounded retries. We bound them on
 * purpose (a send must give up in time) and never reuse a producer after a
 * failed send, so its sequence numbers stay sound; duplicates the in-doubt
 * sends may leave collapse in the store by message id.
 */
const EXPECTED = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/** Per-connection noise: the adapter reports an unreachable Kafka itself, once per failed attempt, with the cause. */
const QUIET_NAMESPACES = new Set(['Connection', 'BrokerPool']);

function bridgeLogs(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, error, broker, groupId } = log;
      if (EXPECTED.has(message) || QUIET_NAMESPACES.has(namespace)) return;
      const fields = Object.fromEntries(Object.entries({ namespace, error, broker, groupId }).filter(([, v]) => v !== undefined));
      // Our adapter decides what is fatal; kafkajs's own errors are retried, so they are warnings here.
      if (level <= logLevel.WARN) logger.warn(fields, `kafka: ${message}`);
    };
}
