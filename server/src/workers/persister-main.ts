import { openEngines } from '../engines.js';
import { Metrics } from '../observability/metrics.js';
import { PERSISTER_METRICS_PORT, startMetricsServer } from '../observability/metrics-server.js';
import { MESSAGES_TOPIC, PERSISTER_GROUP } from '../event-log/kafka-event-log.js';
import { createLogger } from '../observability/log.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from '../support/process-lifecycle.js';
import { closeWithin } from '../support/shutdown.js';

/**
 * `npm run persister`: a persister outside the API process. Run as many as
 * the messages topic has partitions; they share them as one consumer group.
 * Config is validated as PERSISTER=external, which demands shared engines
 * (Kafka, PostgreSQL, Redis): two processes must never open one PGlite folder,
 * and an in-process bus would publish where no subscriber listens. It serves
 * /metrics on METRICS_PORT (default 9464) and nothing else.
 */
const config = configOrExit('parley persister', { ...process.env, PERSISTER: 'external' });
const logger = createLogger(config.log).child({ process: 'persister' });
try {
  const metrics = new Metrics();
  const engines = await openEngines(config, logger, metrics);
  metrics.watchEngines(engines.readiness);
  const metricsServer = await startMetricsServer(metrics, config.metricsPort ?? PERSISTER_METRICS_PORT, config.host);
  await engines.log.consume(engines.persister.handle);
  // Closing lets the batch in hand finish and leaves the group; the rest is redelivered. Within SHUTDOWN_TIMEOUT.
  stopOnSignals(
    () =>
      closeWithin(config.shutdownTimeoutMs, async (step) => {
        await engines.close(step);
        await step('metrics', () => metricsServer.close());
      }),
    logger,
  );
  logger.info(
    { topic: MESSAGES_TOPIC, groupId: PERSISTER_GROUP, brokers: config.kafkaBrokers, metricsUrl: metricsServer.url },
    `Parley persister is running: consuming ${MESSAGES_TOPIC} in consumer group ${PERSISTER_GROUP}; metrics on ${metricsServer.url}`,
  );
} catch (error) {
  exitOnStartFailure('parley persister', error, logger);
}
