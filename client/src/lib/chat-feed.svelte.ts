import type { Client } from '@urql/core';
import { MessageAddedDocument, MessagesDocument, SendMessageDocument, type UserFieldsFragment } from '@parley/sdk/documents';
import { newClientId } from '@parley/sdk/client-id';
import { toApiError, type ErrorCode } from './errors';
import { Timeline } from './timeline.svelte';

const PAGE = 30;
/** Errors worth retrying with the same clientId once the connection is back. */
const TRANSIENT: ErrorCode[] = ['NETWORK', 'UNAVAILABLE', 'RATE_LIMITED'];

/**
 * One open chat: its history (paged upward), its live messages, and the
 * viewer's sends. Live delivery always resumes from the last seq held, so a
 * drop, a server restart or an UNAVAILABLE end costs nothing but a replay.
 */
export class ChatFeed {
  readonly timeline: Timeline;
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  hasOlder = $state(false);
  loadingOlder = $state(false);
  /** The newest message from someone else that arrived live: what a screen reader hears. */
  announcement = $state('');
  /** FORBIDDEN once the server ended this chat for the viewer (they left or were removed): nothing more can be sent. */
  ended = $state<'FORBIDDEN' | null>(null);

  private startCursor: string | null = null;
  private live: { unsubscribe(): void } | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly client: Client,
    readonly chatId: string,
    private readonly viewer: UserFieldsFragment,
  ) {
    this.timeline = new Timeline(viewer.id);
  }

  async start(): Promise<void> {
    const result = await this.client.query(MessagesDocument, { chatId: this.chatId, last: PAGE }).toPromise();
    if (this.stopped) return;
    if (result.error || !result.data) {
      this.status = 'error';
      this.error = result.error ? toApiError(result.error).message : 'This chat could not be loaded.';
      if (result.error && toApiError(result.error).code === 'FORBIDDEN') this.ended = 'FORBIDDEN';
      return;
    }
    const { edges, pageInfo } = result.data.messages;
    this.timeline.add(edges.map((e) => e.node));
    this.hasOlder = pageInfo.hasPreviousPage;
    this.startCursor = pageInfo.startCursor ?? null;
    this.status = 'ready';
    this.follow();
  }

  /** (Re)subscribes from the last seq held: the server replays what came after it, then goes live. */
  private follow(): void {
    if (this.stopped) return;
    this.live?.unsubscribe();
    const subscription = this.client
      .subscription(MessageAddedDocument, { chatId: this.chatId, afterSeq: this.timeline.lastSeq })
      .subscribe((result) => {
        if (result.data) {
          const fresh = this.timeline.add([result.data.messageAdded]);
          const incoming = fresh.find((m) => m.sender.id !== this.viewer.id);
          if (incoming) this.announcement = `${incoming.sender.displayName}: ${incoming.body}`;
        }
        // Not `else`: urql merges an ending error into the last result, which still carries that message's data.
        if (result.error) {
          const { code } = toApiError(result.error);
          if (code === 'FORBIDDEN') this.ended = code;
          // Ended by the server (UNAVAILABLE while realtime delivery recovers): pick up again shortly.
          if (code !== 'FORBIDDEN' && code !== 'NOT_FOUND' && code !== 'UNAUTHENTICATED') this.retrySoon();
        }
      });
    this.live = subscription;
  }

  private retrySoon(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.follow();
    }, 1_000);
  }

  /** After a reconnect: catch up from the last seq, and resend what failed on the way down. */
  resume(): void {
    if (this.status === 'error') {
      this.status = 'loading';
      void this.start();
      return;
    }
    this.follow();
    for (const pending of this.timeline.pending) {
      if (pending.state === 'failed' && TRANSIENT.includes(pending.code as ErrorCode)) void this.deliver(pending.clientId, pending.body);
    }
  }

  async loadOlder(): Promise<void> {
    if (!this.hasOlder || this.loadingOlder || !this.startCursor) return;
    this.loadingOlder = true;
    const result = await this.client
      .query(MessagesDocument, { chatId: this.chatId, last: PAGE, before: this.startCursor })
      .toPromise();
    this.loadingOlder = false;
    if (this.stopped || result.error || !result.data) return;
    const { edges, pageInfo } = result.data.messages;
    this.timeline.add(edges.map((e) => e.node));
    this.hasOlder = pageInfo.hasPreviousPage;
    this.startCursor = pageInfo.startCursor ?? this.startCursor;
  }

  /** Shows the message at once as pending; the live event with its clientId confirms it. */
  send(text: string): void {
    const body = text.trim();
    if (!body) return;
    const clientId = newClientId();
    this.timeline.addPending({ clientId, body, createdAt: new Date().toISOString(), sender: this.viewer });
    void this.deliver(clientId, body);
  }

  retry(clientId: string): void {
    const pending = this.timeline.findPending(clientId);
    if (pending) void this.deliver(clientId, pending.body);
  }

  /** Same clientId on every attempt: the server stores a message once however often it is resent. */
  private async deliver(clientId: string, body: string): Promise<void> {
    this.timeline.setPending(clientId, 'sending');
    const result = await this.client.mutation(SendMessageDocument, { chatId: this.chatId, body, clientId }).toPromise();
    if (!this.timeline.findPending(clientId)) return; // already arrived live
    if (result.error) {
      const error = toApiError(result.error);
      if (error.code === 'FORBIDDEN') this.ended = error.code;
      this.timeline.setPending(clientId, 'failed', error.code === 'NETWORK' ? 'Not sent: no connection' : error.message, error.code);
    } else {
      this.timeline.setPending(clientId, 'accepted');
    }
  }

  stop(): void {
    this.stopped = true;
    this.live?.unsubscribe();
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }
}
