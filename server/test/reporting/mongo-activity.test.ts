import { describe, expect, it } from 'vitest';
import { activityPipeline, foldActivity } from '../../src/reporting/mongo-activity.js';

/*
 * No MongoDB runs on the project's machines: the store's contract covers the
 * pipeline wherever MONGO_URL is set. This pins down, without a server, the
 * window bounds it matches and how the per-chat groups fold into a day.
 */
describe('MongoDB activity aggregation', () => {
  const from = new Date('2026-03-14T00:00:00.000Z');
  const to = new Date('2026-03-15T00:00:00.000Z');

  it('matches text messages by createdAt from the window start, included, to its end, excluded, before grouping by chat', () => {
    const [match, group, sort] = activityPipeline({ from, to });
    expect(match).toEqual({ $match: { createdAt: { $gte: from, $lt: to }, kind: { $in: ['TEXT', null] } } });
    expect(group.$group._id).toBe('$chatId');
    expect(sort).toEqual({ $sort: { _id: 1 } });
  });

  it('counts each chat’s distinct senders, and a person active in several chats once for the day', () => {
    const at = (iso: string) => new Date(iso);
    expect(
      foldActivity([
        { _id: 'chat-a', messages: 4, senderIds: ['ada', 'bob', 'cy'], firstAt: at('2026-03-14T00:00:00.000Z'), lastAt: at('2026-03-14T23:59:59.999Z') },
        { _id: 'chat-b', messages: 2, senderIds: ['bob'], firstAt: at('2026-03-14T10:00:00.000Z'), lastAt: at('2026-03-14T10:01:00.000Z') },
      ]),
    ).toEqual({
      chats: [
        { chatId: 'chat-a', messages: 4, senders: 3, firstAt: at('2026-03-14T00:00:00.000Z'), lastAt: at('2026-03-14T23:59:59.999Z') },
        { chatId: 'chat-b', messages: 2, senders: 1, firstAt: at('2026-03-14T10:00:00.000Z'), lastAt: at('2026-03-14T10:01:00.000Z') },
      ],
      activeUsers: 3,
    });
    expect(foldActivity([])).toEqual({ chats: [], activeUsers: 0 });
  });
});
