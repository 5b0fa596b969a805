import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { KafkaEventLog } from '../../src/event-log/kafka-event-log.js';
import { parseDeadLetter, type DeadLetter } from '../../src/event-log/kafka-records.js';
import { silentLogger } from '../../src/observability/log.js';

/** Brokers of a real Kafka to test against (`KAFKA_BROKERS=host:port,...`); unset: the Kafka suites skip. */
export const kafkaBrokers: string[] | null = process.env.KAFKA_BROKERS
  ? process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean)
  : null;

/** What one test gets: a log on topics and a consumer group no earlier run used. */
export interface KafkaLogSubject {
  log: KafkaEventLog;
  /** Another log on the same topics and group: the next persister process, or a second one. */
  reopen(): KafkaEventLog;
  /** Starts reading the dead-letter topic from its beginning; the array fills as letters arrive. */
  readDeadLetters(): Promise<DeadLetter[]>;
  /** Writes a record that is not an envelope, keyed like one of `chatId`. */
  appendRaw(chatId: string, value: Buffer): Promise<void>;
  /** Closes every log this subject opened and its dead-letter reader. */
  close(): Promise<void>;
}

/**
 * Unique topic and group names per test, so reruns against the same broker
 * never see old records; `dispose` deletes the topics afterwards.
 */
export class KafkaTestbed {
  private readonly run = randomBytes(4).toString('hex');
  private count = 0;
  private readonly topics: string[] = [];
  private readonly kafka: Kafka;

  constructor(private readonly brokers: string[]) {
    this.kafka = new Kafka({ clientId: 'parley-test', brokers, logLevel: logLevel.NOTHING });
  }

  /** A fresh log, for the contract factory. */
  async openLog(): Promise<KafkaEventLog> {
    return (await this.subject()).log;
  }

  async subject(): Promise<KafkaLogSubject> {
    const n = ++this.count;
    const topic = `parley.test.${this.run}.${n}`;
    const groupId = `parley-test-${this.run}-${n}`;
    this.topics.push(topic, `${topic}.dlq`);
    const open = () => new KafkaEventLog({ brokers: this.brokers, partitions: 3, topic, groupId, logger: silentLogger });
    const logs = [open()];
    const readers: Consumer[] = [];
    // Creates both topics, so the reader and raw writes below find them.
    await logs[0].ping();
    return {
      log: logs[0],
      reopen: () => {
        const log = open();
        logs.push(log);
        return log;
      },
      readDeadLetters: async () => {
        const letters: DeadLetter[] = [];
        const reader = this.kafka.consumer({ groupId: `${groupId}-dlq-reader`, maxWaitTimeInMs: 200 });
        readers.push(reader);
        await reader.connect();
        await reader.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
        await reader.run({ eachMessage: async ({ message }) => void letters.push(parseDeadLetter(message.value)) });
        return letters;
      },
      appendRaw: async (chatId, value) => {
        const producer = this.kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        try {
          await producer.send({ topic, acks: -1, messages: [{ key: chatId, value }] });
        } finally {
          await producer.disconnect();
        }
      },
      close: async () => {
        await Promise.all([...logs.map((l) => l.close()), ...readers.map((r) => r.disconnect())]);
      },
    };
  }

  async dispose(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const mine = this.topics.filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.disconnect();
    }
  }
}
