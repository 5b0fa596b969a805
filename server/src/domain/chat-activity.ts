import type { Message } from './models.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatActivity, ChatRepository } from '../relational/ports.js';
import type { Logger } from '../observability/log.js';

/** Chats per page of the start-up repair: one chats read and one maxSeqs call each. */
const REPAIR_PAGE = 1_000;

/** What stored messages change in their chats' summaries: last seq and message per chat, and each sender's read position. */
export function activityOf(messages: Message[]): ChatActivity[] {
  const byChat = new Map<string, ChatActivity>();
  for (const m of messages) {
    let a = byChat.get(m.chatId);
    if (!a) byChat.set(m.chatId, (a = { chatId: m.chatId, lastSeq: 0, lastMessageId: m.id, at: m.createdAt, lastEventSeq: 0, textCount: 0, senderSeqs: [] }));
    if (m.seq > a.lastSeq) Object.assign(a, { lastSeq: m.seq, lastMessageId: m.id, at: m.createdAt });
    a.lastEventSeq = Math.max(a.lastEventSeq, m.changedSeq);
    a.textCount = Math.max(a.textCount, m.textSeq);
    // Own text messages count as read; a system message (a rename from the settings) reads nothing.
    if (m.kind !== 'TEXT') continue;
    const sender = a.senderSeqs.find((s) => s.senderId === m.senderId);
    if (sender) Object.assign(sender, { seq: Math.max(sender.seq, m.seq), textSeq: Math.max(sender.textSeq, m.textSeq) });
    else a.senderSeqs.push({ senderId: m.senderId, seq: m.seq, textSeq: m.textSeq });
  }
  return [...byChat.values()];
}

/**
 * Records the activity of chats whose recorded lastSeq is behind the store:
 * messages stored by a process that died before it recorded them (the SQL
 * store records them in its append statement and never leaves this behind;
 * rows of older versions may, and so may MongoDB, whose bookkeeping records
 * them after the write). Only the in-process
 * log needs it: Kafka redelivers an uncommitted batch, and its duplicates are
 * recorded then. Run it before consuming. Pages through every chat with one
 * maxSeqs probe per chat: a read of the chats table and an index probe per
 * chat, never a scan of the messages. Returns how many chats it repaired.
 */
export async function repairChatActivity(store: MessageStore, chats: ChatRepository, logger: Logger): Promise<number> {
  let repaired = 0;
  for (let after: string | null = null; ; ) {
    const page = await chats.lastSeqsAfter(after, REPAIR_PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1].chatId;
    const stored = await store.maxSeqs(page.map((c) => c.chatId));
    const behind = page.filter((c) => (stored.get(c.chatId) ?? 0) > c.lastSeq);
    if (behind.length === 0) continue;
    const last = await Promise.all(behind.map((c) => store.range(c.chatId, { limit: 1, from: 'newest' })));
    await chats.recordActivity(activityOf(last.flat()));
    repaired += behind.length;
  }
  if (repaired > 0) logger.warn({ chats: repaired }, 'recorded the activity of chats whose last messages were stored but not recorded');
  return repaired;
}
