import { defineEntity, p } from '@mikro-orm/core';

/*
 * Relational entities. Relations are kept as plain id columns on purpose: the
 * domain passes ids across ports (messages may live in another engine), and the
 * foreign keys themselves are declared in the SQL migrations.
 */

export const UserEntity = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    username: p.string().unique(),
    displayName: p.string(),
    /** Null for bots: no password opens them. */
    passwordHash: p.string().nullable().lazy(),
    createdAt: p.datetime(3),
    lastSeenAt: p.datetime(3).nullable().lazy(),
    isBot: p.boolean().default(false),
    /** The person a bot belongs to; null for people. */
    ownerId: p.uuid().nullable(),
    /** The id of the bot's one valid token (a claim of it); null: none, or not a bot. */
    botTokenId: p.uuid().nullable().lazy(),
  },
});

export const ChatEntity = defineEntity({
  name: 'Chat',
  tableName: 'chats',
  properties: {
    id: p.uuid().primary(),
    kind: p.enum(['DIRECT', 'GROUP'] as const),
    title: p.string().nullable(),
    directKey: p.string().nullable().unique(),
    ownerId: p.uuid().nullable(),
    lastSeq: p.integer().default(0),
    lastMessageId: p.uuid().nullable(),
    lastEventSeq: p.integer().default(0),
    textCount: p.integer().default(0),
    readSeq: p.integer().default(0),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});

export const MemberEntity = defineEntity({
  name: 'Member',
  tableName: 'members',
  properties: {
    chatId: p.uuid().primary(),
    userId: p.uuid().primary(),
    lastReadSeq: p.integer().default(0),
    readTextSeq: p.integer().default(0),
    readSeqAt: p.integer().default(0),
    readAt: p.datetime(3).nullable(),
    joinedAt: p.datetime(3),
  },
});

/** Written by the daily chat summary job; `day` is a UTC calendar day. */
export const ChatDailyStatsEntity = defineEntity({
  name: 'ChatDailyStats',
  tableName: 'chat_daily_stats',
  properties: {
    chatId: p.uuid().primary(),
    day: p.date().primary(),
    messages: p.integer(),
    senders: p.integer(),
    firstAt: p.datetime(3),
    lastAt: p.datetime(3),
  },
});

export const DailyActivityEntity = defineEntity({
  name: 'DailyActivity',
  tableName: 'daily_activity',
  properties: {
    day: p.date().primary(),
    activeUsers: p.integer(),
    activeChats: p.integer(),
  },
});

/*
 * No entity for `messages`: the SQL message store reads and writes it with
 * Kysely and the statements of its migrations (relational/tables.ts, derived
 * from the domain Message, is its shape).
 */
export const relationalEntities = [UserEntity, ChatEntity, MemberEntity, ChatDailyStatsEntity, DailyActivityEntity];
