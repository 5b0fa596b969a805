import type { Client } from 'graphql-ws';
import { Subscription } from './server.js';

export interface EventMessage {
  id: string;
  seq: number;
  kind: string;
  body: string;
  editedAt: string | null;
  deletedAt: string | null;
}

/** One chatEvents event as the tests select it. */
export interface ChatEventData {
  __typename: 'MessageAdded' | 'MessageEdited' | 'MessageDeleted' | 'ChatChanged' | 'TypingChanged' | 'ReadPositionMoved';
  cursor: string;
  chatId: string;
  message?: EventMessage;
  chat?: { title: string | null; unreadCount: number; owner: { id: string } | null; members: { id: string }[] };
  user?: { id: string };
  typing?: boolean;
  lastReadSeq?: number;
}

const MESSAGE = 'id seq kind body editedAt deletedAt sender { id } subject { id }';
export const CHAT_EVENTS = `subscription ($chatId: ID!, $after: String) {
  chatEvents(chatId: $chatId, after: $after) {
    __typename cursor chatId
    ... on MessageAdded { message { ${MESSAGE} } }
    ... on MessageEdited { message { ${MESSAGE} } }
    ... on MessageDeleted { message { ${MESSAGE} } }
    ... on ChatChanged { chat { title unreadCount owner { id } members { id } } }
    ... on TypingChanged { user { id } typing }
    ... on ReadPositionMoved { user { id } lastReadSeq }
  }
}`;

export const chatEventsOf = (client: Client, chatId: string, after?: string) =>
  new Subscription<ChatEventData>(client, CHAT_EVENTS, { chatId, after }, (data) => data.chatEvents);

/**
 * What a client builds from a history page and then chat events: each
 * message as it stands, and the chat's title. Applying an event twice changes
 * nothing, as the contract promises clients.
 */
export class ChatReplica {
  private messages = new Map<string, { id: string; seq: number; kind: string; body: string; edited: boolean; deleted: boolean }>();
  private title: string | null = null;

  constructor(history: EventMessage[] = []) {
    for (const m of history) this.put(m);
  }

  private put(m: EventMessage): void {
    this.messages.set(m.id, { id: m.id, seq: m.seq, kind: m.kind, body: m.body, edited: m.editedAt !== null, deleted: m.deletedAt !== null });
  }

  apply(event: ChatEventData): void {
    if (event.message) this.put(event.message);
    if (event.chat) this.title = event.chat.title;
  }

  applyAll(events: ChatEventData[]): this {
    for (const event of events) this.apply(event);
    return this;
  }

  state() {
    return { title: this.title, messages: [...this.messages.values()].sort((a, b) => a.seq - b.seq) };
  }

  /** Whether applying these events would bring this replica to the other's state. */
  wouldMatch(events: ChatEventData[], other: ChatReplica): boolean {
    const copy = new ChatReplica();
    copy.messages = new Map([...this.messages].map(([id, m]) => [id, { ...m }]));
    copy.title = this.title;
    copy.applyAll(events);
    return JSON.stringify(copy.state()) === JSON.stringify(other.state());
  }
}
