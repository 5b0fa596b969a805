import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, startRedis } from '../../src/support/redis.js';
import { recordingLogger } from '../support/log-lines.js';
import { DisposableRedis, redisSkipReason } from '../support/redis.js';
import { until } from '../support/until.js';

const suite = redisSkipReason ? describe.skip : describe;

/** A Redis error names the command it answered with its arguments: for AUTH, the password. */
suite('Redis errors in the log', () => {
  let redis: DisposableRedis;
  beforeAll(async () => {
    redis = await DisposableRedis.start();
    const admin = connectRedis(redis.url, 'admin', recordingLogger().logger);
    await startRedis(admin);
    await admin.config('SET', 'requirepass', 'the-right-one');
    admin.disconnect();
  });
  afterAll(async () => redis?.stop());

  it('say what Redis answered to a wrong password, never the password', async () => {
    const { logger, lines, text } = recordingLogger('warn');
    const client = connectRedis(redis.url.replace('redis://', 'redis://:Wr0ngPassw0rd@'), 'commands', logger);
    try {
      await startRedis(client);
      await until(() => lines.some((l) => l.msg.includes('connection lost')));
      expect(text()).toContain('WRONGPASS');
      expect(text()).not.toContain('Wr0ngPassw0rd');
    } finally {
      client.disconnect();
    }
  });
});
