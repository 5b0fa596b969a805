import { Field, ID, Int, InterfaceType, ObjectType } from 'type-graphql';
import type { ChatEventKind } from '../../domain/chat-event-stream.js';
import { Chat } from './chat.js';
import { Message } from './message.js';

/** What the chatEvents resolver hands to GraphQL: the event's kind picks its type. */
export type ChatEventSource =
  | { kind: Exclude<ChatEventKind, 'TypingChanged'>; cursor: string; chatId: string; message: Message }
  | { kind: 'TypingChanged'; cursor: string; chatId: string; userId: string; typing: boolean }
  | { kind: 'ReadPositionMoved'; cursor: string; chatId: string; userId: string; lastReadSeq: number };

@InterfaceType({
  description: 'A durable change to a chat, in the chat’s order. Keep the cursor of the last one you applied: chatEvents(after:) resumes from it with no gap.',
  resolveType: (event: ChatEventSource) => event.kind,
})
export abstract class ChatEvent {
  @Field({ description: 'Where this event stands in its chat: pass it as chatEvents(after:) to resume after it.' })
  cursor!: string;

  @Field(() => ID, { description: 'The chat the event belongs to.' })
  chatId!: string;
}

@ObjectType({ implements: ChatEvent, description: 'A message was stored: a text message, or a system message (a member joined, left or was removed, the chat was renamed).' })
export class MessageAdded extends ChatEvent {
  @Field(() => Message, { description: 'The message as it is now (a resume brings later edits with it).' })
  message!: Message;
}

@ObjectType({ implements: ChatEvent, description: 'A message’s text was edited.' })
export class MessageEdited extends ChatEvent {
  @Field(() => Message, { description: 'The message with its new body and editedAt.' })
  message!: Message;
}

@ObjectType({ implements: ChatEvent, description: 'A message was deleted: it keeps its seq, and its body reads "" from now on.' })
export class MessageDeleted extends ChatEvent {
  @Field(() => Message, { description: 'The message with an empty body and its deletedAt.' })
  message!: Message;
}

@ObjectType({ implements: ChatEvent, description: 'The chat itself changed: renamed, or its members changed. Follows the system message that announced it.' })
export class ChatChanged extends ChatEvent {
  @Field(() => Chat, { description: 'The chat as it is now.' })
  chat!: Chat;
}

@ObjectType({
  implements: ChatEvent,
  description:
    'Someone started or stopped typing. Live only, never replayed, and never about yourself: it shows for at most the typing timeout (6 s by default) unless renewed, and stops when they send, leave, or close their last connection.',
})
export class TypingChanged extends ChatEvent {
  @Field({ description: 'Whether they are typing now.' })
  typing!: boolean;

  /** Not exposed: resolved into `user`. */
  userId!: string;
}

@ObjectType({
  implements: ChatEvent,
  description:
    'A member read up to a message: show “seen” on a direct chat, “seen by N” in a group. Never about yourself; replayed on resume (each member once, as they stand now).',
})
export class ReadPositionMoved extends ChatEvent {
  @Field(() => Int, { description: 'The seq of the newest message they have read.' })
  lastReadSeq!: number;

  /** Not exposed: resolved into `user`. */
  userId!: string;
}
