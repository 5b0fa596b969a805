import type { Document } from 'mongodb';
import type { TimeWindow, WindowActivity } from './port.js';

/** One chat's messages in the window, as the pipeline's $group hands it back. */
export interface ChatActivityGroup {
  _id: string;
  messages: number;
  senderIds: string[];
  firstAt: Date;
  lastAt: Date;
}

/**
 * Groups by chat and keeps each chat's set of sender ids rather than only its
 * size: the day's active users are the union of those sets, which a second
 * $group over all chats would need a single document (16 MB cap) to hold.
 */
export const activityPipeline = (window: TimeWindow): Document[] => [
  // Text messages only (documents of older versions have no kind: they are text): system messages are not sent by anyone.
  { $match: { createdAt: { $gte: window.from, $lt: window.to }, kind: { $in: ['TEXT', null] } } },
  {
    $group: {
      _id: '$chatId',
      messages: { $sum: 1 },
      senderIds: { $addToSet: '$senderId' },
      firstAt: { $min: '$createdAt' },
      lastAt: { $max: '$createdAt' },
    },
  },
  { $sort: { _id: 1 } },
];

export function foldActivity(groups: readonly ChatActivityGroup[]): WindowActivity {
  const activeUsers = new Set<string>();
  const chats = groups.map((group) => {
    for (const id of group.senderIds) activeUsers.add(id);
    return { chatId: group._id, messages: group.messages, senders: group.senderIds.length, firstAt: group.firstAt, lastAt: group.lastAt };
  });
  return { chats, activeUsers: activeUsers.size };
}
