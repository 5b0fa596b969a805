import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { AnyVariables } from '@urql/core';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { newClientId } from './client-id.js';
import { isParleyError, ParleyError } from './errors.js';
import {
  ChatDocument,
  ChatPresenceDocument,
  AddMembersDocument,
  ChatStatsDocument,
  ChatsDocument,
  SearchMessagesDocument,
  CreateBotDocument,
  CreateDirectChatDocument,
  CreateGroupChatDocument,
  DeleteMessageDocument,
  EditMessageDocument,
  IssueBotTokenDocument,
  LeaveChatDocument,
  RemoveMemberDocument,
  RenameChatDocument,
  RevokeBotTokenDocument,
  SetTypingDocument,
  LoginDocument,
  MarkReadDocument,
  ReadStatesDocument,
  MeDocument,
  MessagesDocument,
  SendMessageDocument,
  SignupDocument,
  UsersDocument,
} from './generated/graphql.js';
import { HttpTransport, type FetchLike } from './http.js';
import { ParleySocket } from './socket.js';
import {
  chatEventStream,
  chatUpdateStream,
  messageStream,
  presenceStream,
  type ChatEventOptions,
  type ChatEventStream,
  type ChatUpdateOptions,
  type ChatUpdateStream,
  type MessageStream,
  type PresenceOptions,
  type PresenceStream,
  type ReconnectOptions,
} from './subscriptions.js';
import type {
  AuthPayload,
  BotPayload,
  Chat,
  ChatConnection,
  ChatDayStats,
  Contact,
  Message,
  MessageConnection,
  MessageSearchConnection,
  ReadState,
  RetryEvent,
  SentMessage,
  User,
} from './types.js';

export interface ParleyClientOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** The WebSocket endpoint; by default `url` with `ws(s)://`. */
  wsUrl?: string;
  /** A token from an earlier signup or login; signup() and login() set it themselves. */
  token?: string | null;
  /** A WebSocket constructor, where there is no global one (e.g. the `ws` package). */
  webSocketImpl?: unknown;
  /** Defaults to the global fetch. Queries and mutations go through an @urql/core Client that calls it. */
  fetch?: FetchLike;
  /** An HTTP request without an answer by then fails as NETWORK. Default 30 s. */
  requestTimeoutMs?: number;
  /** How subscriptions reconnect. Default: 0.5 s doubling to 15 s, without end. */
  reconnect?: Partial<ReconnectOptions>;
  /** How a send that met NETWORK or UNAVAILABLE is retried. Default: 3 retries, 0.3 s doubling to 5 s. */
  sendRetry?: Partial<BackoffOptions & { retries: number }>;
  /** Ping interval of the socket; a missing pong drops it and the streams reconnect. Default 15 s; 0 turns it off. */
  keepAliveMs?: number;
  /** Told before every automatic retry. */
  onRetry?: (event: RetryEvent) => void;
}

export interface MessagePageArgs {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

/** Parley's API as typed methods. Every failure is a ParleyError. */
export interface ParleyClient {
  /** The token sent with every request and socket, or null. */
  readonly token: string | null;
  /** Replaces the token (null signs out); an open socket reconnects with it. */
  setToken(token: string | null): void;

  me(): Promise<User>;
  users(args?: { search?: string; first?: number }): Promise<User[]>;
  chats(args?: { first?: number; after?: string }): Promise<ChatConnection>;
  chat(id: string): Promise<Chat | null>;
  messages(chatId: string, page?: MessagePageArgs): Promise<MessageConnection>;
  /**
   * Messages containing every word of `query` (the last word also as the
   * start of a word, from three letters) in the chats you are in now, or in
   * `chatId`; best match first, then newest. Page on with `after:
   * pageInfo.endCursor`. UNAVAILABLE while the server encrypts bodies at rest.
   */
  searchMessages(query: string, options?: { chatId?: string; first?: number; after?: string }): Promise<MessageSearchConnection>;
  /** Per-day figures of a chat from the nightly summary job, days with messages only, oldest first; `from`/`to` are `YYYY-MM-DD`, inclusive, at most 366 days. */
  chatStats(chatId: string, range: { from: string; to: string }): Promise<ChatDayStats[]>;

  /** Creates an account and signs this client in with it. */
  signup(args: { username: string; password: string; displayName?: string }): Promise<AuthPayload>;
  /** Signs this client in. */
  login(args: { username: string; password: string }): Promise<AuthPayload>;
  /**
   * Creates a bot owned by the signed-in person: `{ user, token }`, the token
   * shown this once. This client stays signed in as the owner; run the bot
   * with its own client (`createParleyClient({ url, token })`). At most 10
   * bots per person.
   */
  createBot(args: { username: string; displayName?: string }): Promise<BotPayload>;
  /** Revokes your bot's token at once (its sockets close with 4401); false when it had none. Issues nothing new. */
  revokeBotToken(botId: string): Promise<boolean>;
  /** A new token for your bot; the previous one stops working at once. */
  issueBotToken(botId: string): Promise<string>;
  createDirectChat(userId: string): Promise<Chat>;
  createGroupChat(args: { title: string; memberIds: string[] }): Promise<Chat>;
  markRead(chatId: string, seq: number): Promise<Chat>;
  /** Where each current member has read up to (for "seen" and "seen by N"); chatEvents brings each move live as ReadPositionMoved. */
  readStates(chatId: string): Promise<ReadState[]>;
  /** Leaves a group (announced with MEMBER_LEFT); an owner who leaves passes it to the longest-standing member. */
  leaveChat(chatId: string): Promise<boolean>;
  /** Any member of a group adds people, each announced with MEMBER_JOINED. */
  addMembers(chatId: string, userIds: string[]): Promise<Chat>;
  /** The group's owner removes a member (MEMBER_REMOVED); their subscriptions to the chat end with FORBIDDEN. */
  removeMember(chatId: string, userId: string): Promise<Chat>;
  /** Any member renames a group (CHAT_RENAMED). */
  renameChat(chatId: string, title: string): Promise<Chat>;
  /**
   * Tells the chat's other members you are typing (true) or stopped (false):
   * they see TypingChanged on chatEvents. Renew it every few seconds while
   * typing (it shows for at most the server's typing timeout, 6 s by
   * default); sending a message stops it. Repeats within a second are dropped
   * by the server, so calling it on every keystroke is fine.
   */
  setTyping(chatId: string, typing: boolean): Promise<boolean>;
  /**
   * A chat's members with their presence now: the first `first` (1 to 100,
   * default 50), earliest joined first, as Chat.members. FORBIDDEN for a chat
   * you are not in (any more), like chat(). What presenceChanged's `resync`
   * usually reads.
   */
  presence(chatId: string, options?: { first?: number }): Promise<Contact[]>;
  /** Edits a text message you sent; returns it as the edit leaves it. CONFLICT once it is deleted. */
  editMessage(messageId: string, body: string): Promise<Message>;
  /** Deletes a message you sent, or any text message of a group you own; its body reads "" from then on. */
  deleteMessage(messageId: string): Promise<Message>;
  /**
   * Sends a message once, even when retried: every attempt carries the same
   * `clientId` (a new random one unless given). NETWORK and UNAVAILABLE are retried
   * with backoff; the last error is thrown when the retries run out.
   */
  sendMessage(chatId: string, body: string, options?: { clientId?: string; replyToId?: string }): Promise<SentMessage>;

  /**
   * New messages of a chat, for `for await`: each once, in seq order, across
   * reconnects. With `afterSeq`, stored messages after it come first; without,
   * the stream starts at the chat's current end. Breaking out of the loop or
   * close() unsubscribes. Throws (from the loop) a ParleyError that retrying
   * cannot fix, e.g. FORBIDDEN once the user left the chat.
   */
  messageAdded(chatId: string, options?: { afterSeq?: number; signal?: AbortSignal }): MessageStream;

  /**
   * Every durable change to a chat, for `for await`: messages added (system
   * messages too), edited and deleted, and ChatChanged when the chat itself
   * changed, in the chat's order, each once, across reconnects (the stream
   * keeps the cursor of the last event and resumes from it). With `after`
   * (the chat's eventCursor read with its history, or an earlier stream's
   * `cursor`), the changes since then come first; without, the stream starts
   * at the chat's latest event. Events already reflected in a history page
   * read before may come again: applying one twice is harmless. Throws (from
   * the loop) a ParleyError that retrying cannot fix, e.g. FORBIDDEN once the
   * user left or was removed.
   */
  chatEvents(chatId: string, options?: ChatEventOptions): ChatEventStream;

  /**
   * The viewer's chats as they change, for `for await`: the whole chat as the
   * viewer sees it (unreadCount, lastMessage…) whenever a message arrives in
   * any of them, a chat is created or joined, or a read mark moves (from any
   * device). It reconnects like messageAdded (same backoff, `onRetry` with
   * operation `chatUpdated`), but Parley cannot replay chat events: after
   * each resubscribe, once the socket is connected again, `onReconnect` is
   * called, and the caller should query `chats()` again. Merging that answer
   * with events that arrive meanwhile: lastSeq and lastReadSeq only grow, so
   * of two versions of a chat the one with the greater pair is the newer.
   *
   * Parley does not acknowledge a subscription, so there is no moment known
   * from which events flow: the server takes the subscribe shortly after it
   * is sent (after this call; just before `onReconnect` runs). A change in
   * that instant is in neither the stream nor a refetch that ran first; the
   * chat's next event repairs it. Breaking out of the loop, `signal` or
   * close() unsubscribes. Throws (from the loop) a ParleyError that retrying
   * cannot fix, e.g. UNAUTHENTICATED.
   */
  chatUpdated(options?: ChatUpdateOptions): ChatUpdateStream;

  /**
   * The viewer's contacts (people sharing a chat with them) as they come
   * online and go offline, for `for await`: each the user with their new
   * presence. A chat joined brings its members in, one left takes them out.
   * Parley sends changes only, so pass `resync` (e.g. `() =>
   * parley.presence(chatId)`): the stream hands out what it reads once the
   * subscribe is sent and again after every resubscribe, then the changes,
   * so applying every item in order keeps each user right across reconnects.
   * When what you show changes (another chat opened), call the stream's
   * `resync()`. Without `resync`, what changed while the socket was away is
   * missed.
   *
   * Like any stream it keeps the client's socket open, and so shows the
   * viewer ONLINE to their contacts. It reconnects like chatUpdated (`onRetry`
   * with operation `presenceChanged`); breaking out of the loop, `signal` or
   * close() unsubscribes. Throws (from the loop) a ParleyError that retrying
   * cannot fix, e.g. UNAUTHENTICATED.
   */
  presenceChanged(options?: PresenceOptions): PresenceStream;

  /** Ends every stream and closes the socket. */
  close(): Promise<void>;
}

const httpToWs = (url: string) => url.replace(/^http(s?):/i, 'ws$1:');

export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  let token = options.token ?? null;
  let closed = false;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const http = new HttpTransport({ url: options.url, fetch: fetchImpl, token: () => token, timeoutMs: options.requestTimeoutMs ?? 30_000 });
  const reconnect: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 15_000, attempts: Infinity, ...options.reconnect };
  const sendRetry = { initialDelayMs: 300, maxDelayMs: 5_000, retries: 3, ...options.sendRetry };
  const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  const socket = new ParleySocket({
    url: options.wsUrl ?? httpToWs(options.url),
    token: () => token,
    webSocketImpl,
    keepAliveMs: options.keepAliveMs ?? 15_000,
  });
  const streams = new Set<{ close(): void }>();

  const run = async <Result, Variables extends AnyVariables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> => {
    if (closed) throw new Error('The Parley client is closed');
    return http.execute(document, variables);
  };

  const checkCanSubscribe = () => {
    if (closed) throw new Error('The Parley client is closed');
    if (!webSocketImpl) {
      throw new TypeError('No WebSocket implementation: pass `webSocketImpl` (e.g. the `ws` package) to createParleyClient');
    }
  };

  const setToken = (next: string | null) => {
    if (next === token) return;
    token = next;
    // connection_init is the only place a socket presents a token: one opened with the old
    // token keeps its identity until it is replaced.
    socket.reconnect();
  };

  const client: ParleyClient = {
    get token() {
      return token;
    },
    setToken,

    me: async () => (await run(MeDocument, {})).me,
    users: async ({ search, first } = {}) => (await run(UsersDocument, { search, first })).users,
    chatStats: async (chatId, { from, to }) => (await run(ChatStatsDocument, { chatId, from, to })).chatStats,
    chats: async ({ first, after } = {}) => (await run(ChatsDocument, { first, after })).chats,
    chat: async (id) => (await run(ChatDocument, { id })).chat,
    messages: async (chatId, { first, after, last, before } = {}) =>
      (await run(MessagesDocument, { chatId, first, after, last, before })).messages,
    searchMessages: async (query, { chatId, first, after } = {}) => (await run(SearchMessagesDocument, { query, chatId, first, after })).searchMessages,

    signup: async ({ username, password, displayName }) => {
      const { signup } = await run(SignupDocument, { username, password, displayName });
      setToken(signup.token);
      return signup;
    },
    login: async ({ username, password }) => {
      const { login } = await run(LoginDocument, { username, password });
      setToken(login.token);
      return login;
    },
    createBot: async ({ username, displayName }) => (await run(CreateBotDocument, { username, displayName })).createBot,
    revokeBotToken: async (botId) => (await run(RevokeBotTokenDocument, { botId })).revokeBotToken,
    issueBotToken: async (botId) => (await run(IssueBotTokenDocument, { botId })).issueBotToken,
    createDirectChat: async (userId) => (await run(CreateDirectChatDocument, { userId })).createDirectChat,
    createGroupChat: async ({ title, memberIds }) => (await run(CreateGroupChatDocument, { title, memberIds })).createGroupChat,
    markRead: async (chatId, seq) => (await run(MarkReadDocument, { chatId, seq })).markRead,
    readStates: async (chatId) => (await run(ReadStatesDocument, { chatId })).chat?.readStates ?? [],
    leaveChat: async (chatId) => (await run(LeaveChatDocument, { chatId })).leaveChat,
    addMembers: async (chatId, userIds) => (await run(AddMembersDocument, { chatId, userIds })).addMembers,
    removeMember: async (chatId, userId) => (await run(RemoveMemberDocument, { chatId, userId })).removeMember,
    renameChat: async (chatId, title) => (await run(RenameChatDocument, { chatId, title })).renameChat,
    setTyping: async (chatId, typing) => (await run(SetTypingDocument, { chatId, typing })).setTyping,
    presence: async (chatId, { first } = {}) => (await run(ChatPresenceDocument, { chatId, first })).chat?.members ?? [],
    editMessage: async (messageId, body) => (await run(EditMessageDocument, { messageId, body })).editMessage,
    deleteMessage: async (messageId) => (await run(DeleteMessageDocument, { messageId })).deleteMessage,

    sendMessage: async (chatId, body, { clientId = newClientId(), replyToId } = {}) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await run(SendMessageDocument, { chatId, body, clientId, replyToId })).sendMessage;
        } catch (error) {
          // Safe to repeat: the server stores one message per (sender, clientId), even if the
          // attempt that "failed" did land.
          if (!isParleyError(error) || !error.retryable || attempt >= sendRetry.retries || closed) throw error;
          const delayMs = backoffDelay(attempt, sendRetry);
          options.onRetry?.({ operation: 'sendMessage', chatId, attempt: attempt + 1, delayMs, error, clientId });
          await sleep(delayMs);
        }
      }
    },

    messageAdded: (chatId, { afterSeq, signal } = {}) => {
      checkCanSubscribe();
      const stream = messageStream(
        {
          socket,
          lastSeqOf: async (id) => (await client.chat(id))?.lastSeq ?? 0,
          reconnect,
          onRetry: options.onRetry,
          onEnd: () => streams.delete(stream),
        },
        chatId,
        { afterSeq, signal },
      );
      if (!signal?.aborted) streams.add(stream);
      return stream;
    },

    chatEvents: (chatId, { after, signal } = {}) => {
      checkCanSubscribe();
      const stream = chatEventStream(
        {
          socket,
          eventCursorOf: async (id) => {
            const chat = await client.chat(id);
            if (!chat) throw new ParleyError('NOT_FOUND', 'Chat not found');
            return chat.eventCursor;
          },
          reconnect,
          onRetry: options.onRetry,
          onEnd: () => streams.delete(stream),
        },
        chatId,
        { after, signal },
      );
      if (!signal?.aborted) streams.add(stream);
      return stream;
    },

    chatUpdated: ({ signal, onReconnect } = {}) => {
      checkCanSubscribe();
      const stream = chatUpdateStream(
        { socket, reconnect, onRetry: options.onRetry, onEnd: () => streams.delete(stream) },
        { signal, onReconnect },
      );
      if (!signal?.aborted) streams.add(stream);
      return stream;
    },

    presenceChanged: ({ signal, resync } = {}) => {
      checkCanSubscribe();
      const stream = presenceStream({ socket, reconnect, onRetry: options.onRetry, onEnd: () => streams.delete(stream) }, { signal, resync });
      if (!signal?.aborted) streams.add(stream);
      return stream;
    },

    close: async () => {
      closed = true;
      for (const stream of [...streams]) stream.close();
      await socket.dispose();
    },
  };
  return client;
}
