import { openEngines } from '../engines.js';
import { MESSAGES_TOPIC, PERSISTER_GROUP } from '../event-log/kafka-event-log.js';
import { consoleLogger } from '../support/logger.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from '../support/process-lifecycle.js';
import { closeWithin } from '../support/shutdown.js';

/**
 * `npm run persister`: a persister outside the API process. Run as many as
 * the messages topic has partitions; they share them as one consumer group.
 * Config is validated as PERSISTER=external, which demands shared engines
 * (Kafka, PostgreSQL, Redis): two processes must never open one PGlite folder,
 * and an in-process bus would publish where no subscriber listens.
 */
const config = configOrExit('parley persister', { ...process.env, PERSISTER: 'external' });
try {
  const engines = await openEngines(config, consoleLogger);
  await engines.log.consume(engines.persister.handle);
  // Closing lets the batch in hand finish and leaves the group; the rest is redelivered. Within SHUTDOWN_TIMEOUT.
  stopOnSignals(() => closeWithin(config.shutdownTimeoutMs, (step) => engines.close(step)), consoleLogger);
  consoleLogger.info(`Parley persister is running: consuming ${MESSAGES_TOPIC} in consumer group ${PERSISTER_GROUP}`, { brokers: config.kafkaBrokers });
} catch (error) {
  exitOnStartFailure('parley persister', error);
}
