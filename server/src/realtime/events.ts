/*
 * The realtime vocabulary: every channel, and the one payload type each
 * carries. Publishers and subscribers name a channel through the functions
 * below, so `publish` and `subscribe` are checked against it; the bus
 * adapters encode and decode with the channel's codec (JSON with dates
 * revived), so the domain only ever sees the types declared here.
 */
import type { Message } from '../domain/models.js';

/** How a payload crosses a bus that carries bytes (Redis); the in-process bus never encodes. */
export interface Codec<T> {
  encode(payload: T): string;
  decode(wire: string): T;
}

/** A named channel and the type of what travels on it. */
export interface Channel<T> {
  readonly name: string;
  readonly codec: Codec<T>;
}

/** A chat's summary as the persister left it when it stored a message: what a chat list shows. */
export interface ChatState {
  chatId: string;
  lastSeq: number;
  lastMessageId: string;
  updatedAt: Date;
}

/** A message the persister stored (or stored before and published again after a redelivery), with its chat's state then. */
export interface MessageStored {
  type: 'messageStored';
  message: Message;
  chat: ChatState;
}

/** A stored message as published: with the chat's summary as this message left it (a redelivered one's may trail a later state: readers keep the newest). */
export const storedEvent = (message: Message): MessageStored => ({
  type: 'messageStored',
  message,
  chat: { chatId: message.chatId, lastSeq: message.seq, lastMessageId: message.id, updatedAt: message.createdAt },
});

/** A stored message was edited or deleted; `message` is its state after the change. */
export interface MessageChanged {
  type: 'messageChanged';
  change: 'edited' | 'deleted';
  message: Message;
}

/** Someone left: published by the API at once, so their open subscriptions to the chat end on every instance. */
export interface MemberLeft {
  type: 'memberLeft';
  chatId: string;
  userId: string;
}

/** A member's read mark moved: the chat's `readSeq`-th move. */
export interface ReadMoved {
  type: 'readMoved';
  chatId: string;
  userId: string;
  lastReadSeq: number;
  readSeq: number;
  readAt: Date;
}

/** Someone started or stopped typing in a chat: ephemeral, live only, never stored or replayed. */
export interface TypingSignal {
  type: 'typing';
  chatId: string;
  userId: string;
  typing: boolean;
}

/** Everything published on a chat's channel. */
export type ChatEvent = MessageStored | MessageChanged | MemberLeft | TypingSignal | ReadMoved;

/** Published on a user's channel: they joined or left a chat, or their read mark in it moved (from any device). */
export interface UserChatEvent {
  type: 'chatJoined' | 'chatLeft' | 'chatRead';
  chatId: string;
}

/**
 * Someone came online (their first socket anywhere) or went offline (their
 * last one closed, `at`): the `version`-th change of their presence, so that
 * a change overtaken on the way is dropped. Published once per change, with
 * the chats they are in, on the one presence channel every instance listens
 * to: each instance tells its watchers who share one of those chats.
 */
export interface PresenceMoved {
  type: 'presence';
  userId: string;
  online: boolean;
  at: Date;
  version: number;
  chatIds: string[];
}

/**
 * A bot's valid token changed: revoked (`tokenId` null) or replaced by a new
 * one. Every instance closes the bot's sockets opened with any other token
 * (bot-sessions.ts); a socket opened with the new one stays.
 */
export interface BotTokenChanged {
  type: 'botToken';
  botId: string;
  tokenId: string | null;
}

/** ISO strings in the listed fields become Dates again: JSON has no date type. */
function jsonCodec<T>(revive: (parsed: T) => T): Codec<T> {
  return { encode: (payload) => JSON.stringify(payload), decode: (wire) => revive(JSON.parse(wire) as T) };
}

const dateOrNull = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

const reviveMessage = (m: Message): Message => ({ ...m, createdAt: new Date(m.createdAt), editedAt: dateOrNull(m.editedAt), deletedAt: dateOrNull(m.deletedAt) });

const chatEventCodec = jsonCodec<ChatEvent>((event) => {
  switch (event.type) {
    case 'messageStored':
      return { ...event, message: reviveMessage(event.message), chat: { ...event.chat, updatedAt: new Date(event.chat.updatedAt) } };
    case 'messageChanged':
      return { ...event, message: reviveMessage(event.message) };
    case 'readMoved':
      return { ...event, readAt: new Date(event.readAt) };
    default:
      return event;
  }
});

const userEventCodec = jsonCodec<UserChatEvent>((event) => event);

export const chatChannel = (chatId: string): Channel<ChatEvent> => ({ name: `chat.${chatId}.events`, codec: chatEventCodec });

const presenceCodec = jsonCodec<PresenceMoved>((event) => ({ ...event, at: new Date(event.at) }));

export const presenceChannel = (): Channel<PresenceMoved> => ({ name: 'presence.changes', codec: presenceCodec });

const botTokenCodec = jsonCodec<BotTokenChanged>((event) => event);

/** One channel for every bot: revocations are rare, and each instance must hear all of them. */
export const botTokenChannel = (): Channel<BotTokenChanged> => ({ name: 'bots.tokens', codec: botTokenCodec });

export const userChannel = (userId: string): Channel<UserChatEvent> => ({ name: `user.${userId}.chats`, codec: userEventCodec });

/** A channel outside the vocabulary, for the bus contract tests: plain JSON. */
export const testChannel = <T>(name: string): Channel<T> => ({ name, codec: jsonCodec<T>((value) => value) });
