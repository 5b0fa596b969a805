import type { Client } from '@urql/core';
import {
  ChatEventsDocument,
  MessagesDocument,
  OpenChatDocument,
  SendMessageDocument,
  type ChatEventsSubscription,
  type ChatFieldsFragment,
  type MessageFieldsFragment,
  type UserFieldsFragment,
} from '@parley/sdk/documents';
import { newClientId } from '@parley/sdk/client-id';
import { messageCursor } from '@parley/sdk/message-cursor';
import { toApiError, type ErrorCode } from './errors';
import { Timeline } from './timeline.svelte';

const PAGE = 30;
/** Errors worth retrying with the same clientId once the connection is back. */
const TRANSIENT: ErrorCode[] = ['NETWORK', 'UNAVAILABLE', 'RATE_LIMITED'];
/** The server shows typing for at most its typing timeout (6 s by default) unless renewed; a lost "stopped" must not linger. */
const TYPING_SHOWN_MS = 6_500;

type ChatEvent = ChatEventsSubscription['chatEvents'];
export interface ReadPosition {
  user: UserFieldsFragment;
  lastReadSeq: number;
}

/**
 * One open chat: a window of its history (normally the newest messages,
 * paged upward; around a given message when opened at one), every change to
 * it live through `chatEvents` (new messages, edits, deletes, the chat
 * itself, typing, read positions), and the viewer's sends. The SDK's exchange
 * resumes `chatEvents` from the last cursor after any drop, so nothing here
 * deals with reconnecting except resending what failed.
 */
export class ChatFeed {
  readonly timeline: Timeline;
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  /** Why the chat is no longer the viewer's (left, removed): set when its events end with FORBIDDEN or NOT_FOUND. */
  gone = $state<string | null>(null);
  hasOlder = $state(false);
  /** The window stops short of the newest message (opened at an older one): live messages wait below it. */
  hasNewer = $state(false);
  loadingOlder = $state(false);
  loadingNewer = $state(false);
  /** The newest message from someone else that arrived live: what a screen reader hears. */
  announcement = $state('');
  /** The chat as last read or changed. */
  chat = $state.raw<ChatFieldsFragment | null>(null);
  /** The first message the viewer had not read when the chat opened; null when all was read. */
  firstUnreadSeq = $state<number | null>(null);
  /** Who else is typing now. */
  typing = $state.raw<UserFieldsFragment[]>([]);
  /** Where each other member has read up to. */
  readPositions = $state.raw<ReadPosition[]>([]);

  private startCursor: string | null = null;
  private endCursor: string | null = null;
  private live: { unsubscribe(): void } | null = null;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private stopped = false;
  /** Resends what the server refused as too many at once, when it said to (RATE_LIMITED's retryAfterMs). */
  private limitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: Client,
    readonly chatId: string,
    private readonly viewer: UserFieldsFragment,
    /** Told when the chat itself changes (renamed, members), so the list and header follow. */
    private readonly onChat: (chat: ChatFieldsFragment) => void = () => undefined,
  ) {
    this.timeline = new Timeline(viewer.id);
  }

  /**
   * Reads the chat (its eventCursor first, so the events that follow miss
   * nothing), then the history: the newest page, or, with more unread than a
   * page holds, the page from the first unread message, or the page around
   * `atSeq` when given (a search result).
   */
  async start(atSeq?: number): Promise<void> {
    const opened = await this.client.query(OpenChatDocument, { id: this.chatId }).toPromise();
    if (this.stopped) return;
    const chat = opened.data?.chat;
    if (!chat) {
      const error = opened.error ? toApiError(opened.error) : null;
      // Removed (or left elsewhere) since the list was read: nothing can be sent here.
      if (error?.code === 'FORBIDDEN') this.gone = error.message;
      // No such chat (a mistyped or made-up address): said in words, not the API's "chatId is not a valid id",
      // and nothing to send to either. A network error keeps the message box: resume() opens the chat again.
      if (error?.code === 'NOT_FOUND' || error?.code === 'BAD_USER_INPUT') {
        this.gone = 'This chat could not be found.';
        return this.failed(this.gone);
      }
      return this.failed(error ? error.message : 'This chat could not be found.');
    }
    const { readStates, ...fields } = chat;
    this.chat = fields;
    this.readPositions = readStates
      .filter((r) => r.user.id !== this.viewer.id)
      .map(({ user, lastReadSeq }) => ({ user, lastReadSeq }));
    this.firstUnreadSeq = chat.unreadCount > 0 ? chat.lastReadSeq + 1 : null;

    const anchor = atSeq ?? (chat.unreadCount > PAGE ? chat.lastReadSeq + 1 : null);
    const loaded = anchor === null ? await this.loadLatest() : await this.loadAround(anchor);
    if (this.stopped || !loaded) return;
    this.status = 'ready';
    this.follow(chat.eventCursor);
  }

  private failed(message: string): void {
    this.status = 'error';
    this.error = message;
  }

  private async page(variables: { first?: number; after?: string; last?: number; before?: string }) {
    const result = await this.client.query(MessagesDocument, { chatId: this.chatId, ...variables }).toPromise();
    if (result.error || !result.data) {
      if (!this.stopped && this.status !== 'ready') this.failed(result.error ? toApiError(result.error).message : 'This chat could not be loaded.');
      return null;
    }
    return result.data.messages;
  }

  private async loadLatest(): Promise<boolean> {
    const page = await this.page({ last: PAGE });
    if (!page || this.stopped) return false;
    this.timeline.clear();
    this.timeline.add(page.edges.map((e) => e.node));
    this.hasOlder = page.pageInfo.hasPreviousPage;
    this.startCursor = page.pageInfo.startCursor ?? null;
    this.hasNewer = false;
    this.endCursor = page.pageInfo.endCursor ?? null;
    return true;
  }

  /** A few messages before `seq`, and a page from it on. */
  private async loadAround(seq: number): Promise<boolean> {
    const [before, after] = await Promise.all([
      this.page({ last: 10, before: messageCursor(seq) }),
      this.page({ first: PAGE, after: messageCursor(seq - 1) }),
    ]);
    if (!before || !after || this.stopped) return false;
    this.timeline.clear();
    this.timeline.add([...before.edges, ...after.edges].map((e) => e.node));
    this.hasOlder = before.pageInfo.hasPreviousPage;
    this.startCursor = before.pageInfo.startCursor ?? after.pageInfo.startCursor ?? null;
    this.hasNewer = after.pageInfo.hasNextPage;
    this.endCursor = after.pageInfo.endCursor ?? before.pageInfo.endCursor ?? null;
    return true;
  }

  /** Moves the window to the message at `seq` (a search result, a reply's original) unless it is already held. */
  async showSeq(seq: number): Promise<boolean> {
    if (this.timeline.messages.some((m) => m.seq === seq)) return true;
    return this.loadAround(seq);
  }

  /** Back to the newest messages (jump to latest while the window is further up). */
  async showLatest(): Promise<void> {
    if (this.hasNewer) await this.loadLatest();
  }

  /** Follows every change after `cursor`; the exchange resumes it from the last one received. */
  private follow(cursor: string): void {
    if (this.stopped) return;
    this.live = this.client
      .subscription(ChatEventsDocument, { chatId: this.chatId, after: cursor })
      .subscribe((result) => {
        if (result.error) {
          const { code, message } = toApiError(result.error);
          if (code === 'FORBIDDEN' || code === 'NOT_FOUND') this.gone = message;
        } else if (result.data) this.apply(result.data.chatEvents);
      });
  }

  private apply(event: ChatEvent): void {
    switch (event.__typename) {
      case 'MessageAdded':
        return this.added(event.message);
      case 'MessageEdited':
      case 'MessageDeleted':
        return this.timeline.update(event.message);
      case 'ChatChanged':
        this.chat = event.chat;
        return this.onChat(event.chat);
      case 'TypingChanged':
        return this.setTyping(event.user, event.typing);
      case 'ReadPositionMoved':
        this.readPositions = [
          ...this.readPositions.filter((r) => r.user.id !== event.user.id),
          { user: event.user, lastReadSeq: event.lastReadSeq },
        ];
    }
  }

  private added(message: MessageFieldsFragment): void {
    this.setTyping(message.sender, false);
    // Below the window: it shows when the reader gets there (loadNewer, showLatest).
    if (this.hasNewer) return;
    const fresh = this.timeline.add([message]);
    if (fresh.length > 0) this.endCursor = messageCursor(message.seq);
    const incoming = fresh.find((m) => m.sender.id !== this.viewer.id && m.kind === 'TEXT');
    if (incoming) this.announcement = `${incoming.sender.displayName}: ${incoming.body}`;
  }

  private setTyping(user: UserFieldsFragment, typing: boolean): void {
    clearTimeout(this.typingTimers.get(user.id));
    this.typingTimers.delete(user.id);
    const others = this.typing.filter((u) => u.id !== user.id);
    if (typing && user.id !== this.viewer.id) {
      this.typingTimers.set(
        user.id,
        setTimeout(() => this.setTyping(user, false), TYPING_SHOWN_MS),
      );
      this.typing = [...others, user];
    } else if (others.length !== this.typing.length) {
      this.typing = others;
    }
  }

  /** After a reconnect: resend what failed on the way down (the events resume by themselves). */
  resume(): void {
    if (this.status === 'error') {
      this.status = 'loading';
      void this.start();
      return;
    }
    for (const pending of this.timeline.pending) {
      if (pending.state === 'failed' && TRANSIENT.includes(pending.code as ErrorCode)) void this.deliver(pending.clientId, pending.body, pending.replyTo?.id);
    }
  }

  async loadOlder(): Promise<void> {
    if (!this.hasOlder || this.loadingOlder || !this.startCursor) return;
    this.loadingOlder = true;
    const page = await this.page({ last: PAGE, before: this.startCursor });
    this.loadingOlder = false;
    if (this.stopped || !page) return;
    this.timeline.add(page.edges.map((e) => e.node));
    this.hasOlder = page.pageInfo.hasPreviousPage;
    this.startCursor = page.pageInfo.startCursor ?? this.startCursor;
  }

  /** Pages downward while the window stops short of the newest message. */
  async loadNewer(): Promise<void> {
    if (!this.hasNewer || this.loadingNewer || !this.endCursor) return;
    this.loadingNewer = true;
    const page = await this.page({ first: PAGE, after: this.endCursor });
    this.loadingNewer = false;
    if (this.stopped || !page) return;
    this.timeline.add(page.edges.map((e) => e.node));
    this.hasNewer = page.pageInfo.hasNextPage;
    this.endCursor = page.pageInfo.endCursor ?? this.endCursor;
  }

  /** Shows the message at once as pending; the live event with its clientId confirms it. */
  send(text: string, replyTo?: MessageFieldsFragment): void {
    const body = text.trim();
    if (!body) return;
    const clientId = newClientId();
    this.timeline.addPending({ clientId, body, createdAt: new Date().toISOString(), sender: this.viewer, replyTo });
    // The reader's own message is the newest: the window goes there.
    if (this.hasNewer) void this.loadLatest();
    // Behind sends the server refused as too many, a new one waits its turn: sent now, it could be stored
    // before them once the limit's window turns, out of the order they were written.
    const held = this.heldByLimit()[0];
    if (held) this.timeline.setPending(clientId, 'failed', held.error, 'RATE_LIMITED');
    else void this.deliver(clientId, body, replyTo?.id);
  }

  private heldByLimit() {
    return this.timeline.pending.filter((p) => p.state === 'failed' && p.code === 'RATE_LIMITED');
  }

  retry(clientId: string): void {
    const pending = this.timeline.findPending(clientId);
    if (pending) void this.deliver(clientId, pending.body, pending.replyTo?.id);
  }

  /** Same clientId on every attempt: the server stores a message once however often it is resent. */
  private async deliver(clientId: string, body: string, replyToId?: string): Promise<void> {
    this.timeline.setPending(clientId, 'sending');
    const result = await this.client.mutation(SendMessageDocument, { chatId: this.chatId, body, clientId, replyToId }).toPromise();
    if (!this.timeline.findPending(clientId)) return; // already arrived live
    if (result.error) {
      const error = toApiError(result.error);
      if (error.code === 'FORBIDDEN') this.gone = error.message;
      this.timeline.setPending(clientId, 'failed', error.code === 'NETWORK' ? 'Not sent: no connection' : error.message, error.code);
      if (error.code === 'RATE_LIMITED') this.resendLimitedIn(error.retryAfterMs ?? 1_000);
    } else {
      this.timeline.setPending(clientId, 'accepted');
    }
  }

  /**
   * Too many sends at once: the refused ones go again by themselves once the server said they may, in the order
   * they were written, one at a time, and a send written while any wait joins them; a refusal on the way waits again.
   */
  private resendLimitedIn(ms: number): void {
    if (this.limitTimer || this.stopped) return;
    this.limitTimer = setTimeout(async () => {
      this.limitTimer = null;
      // Read again after each send: one written meanwhile joined the end of the line.
      for (let next = this.heldByLimit()[0]; next && !this.stopped && !this.limitTimer; next = this.heldByLimit()[0]) {
        await this.deliver(next.clientId, next.body, next.replyTo?.id);
      }
    }, ms + 100);
  }

  stop(): void {
    this.stopped = true;
    if (this.limitTimer) clearTimeout(this.limitTimer);
    this.live?.unsubscribe();
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
  }
}
