import type { MessageFieldsFragment, UserFieldsFragment } from '@parley/sdk/documents';

/** An own message not yet seen back from the server. */
export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  sender: UserFieldsFragment;
  /** The message it answers, for the quote shown while it is pending. */
  replyTo?: MessageFieldsFragment | undefined;
  /** sending: request out; accepted: the log has it (it will arrive); failed: say so, offer a retry. */
  state: 'sending' | 'accepted' | 'failed';
  error?: string;
  /** The error code of a failed send: a transient one is resent after a reconnect. */
  code?: string;
}

export type TimelineItem =
  | { key: string; kind: 'message'; message: MessageFieldsFragment }
  | { key: string; kind: 'pending'; pending: PendingMessage };

/**
 * One chat's messages as shown: stored messages ordered by `seq`, each once
 * (history pages, live events and post-reconnect replays overlap freely),
 * followed by the viewer's pending sends. A pending send is replaced by its
 * stored message when one with the same `clientId` from the viewer arrives.
 */
export class Timeline {
  messages = $state.raw<MessageFieldsFragment[]>([]);
  pending = $state.raw<PendingMessage[]>([]);
  private seqs = new Set<number>();

  constructor(private readonly viewerId: string) {}

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  get items(): TimelineItem[] {
    return [
      ...this.messages.map((message) => ({ key: message.id, kind: 'message' as const, message })),
      // Keyed by clientId: the stored message takes the pending one's place without a flash.
      ...this.pending.map((pending) => ({ key: `pending:${pending.clientId}`, kind: 'pending' as const, pending })),
    ];
  }

  /** Adds stored messages (a page or one live event); returns those that were new. */
  add(incoming: MessageFieldsFragment[]): MessageFieldsFragment[] {
    const fresh = incoming.filter((m) => !this.seqs.has(m.seq));
    if (fresh.length === 0) return [];
    for (const m of fresh) this.seqs.add(m.seq);
    this.messages = [...this.messages, ...fresh].sort((a, b) => a.seq - b.seq);
    const own = new Set(fresh.filter((m) => m.sender.id === this.viewerId && m.clientId).map((m) => m.clientId));
    if (own.size > 0 && this.pending.some((p) => own.has(p.clientId))) {
      this.pending = this.pending.filter((p) => !own.has(p.clientId));
    }
    return fresh;
  }

  /**
   * Puts a message's newer state (an edit, a delete: an event, or the answer
   * of the viewer's own edit or delete) in its place and in the quotes of
   * replies to it. A deletion is never undone and an older edit never
   * replaces a newer one, whichever of the answer and the event comes first.
   */
  update(message: MessageFieldsFragment): void {
    const { id, seq, kind, body, deletedAt, sender } = message;
    // Replies quote it too, whether or not the message itself is in the window.
    if (!this.seqs.has(seq) && !this.messages.some((m) => m.replyTo?.id === id)) return;
    const held = this.messages.find((m) => m.seq === seq);
    if (held && isStale(held, message)) return;
    this.messages = this.messages.map((m) =>
      m.seq === seq ? message : m.replyTo?.id === id ? { ...m, replyTo: { ...m.replyTo, seq, kind, body, deletedAt, sender } } : m,
    );
  }

  /** Forgets every stored message (pending sends stay): the window moves elsewhere in the chat. */
  clear(): void {
    this.messages = [];
    this.seqs.clear();
  }

  get firstSeq(): number {
    return this.messages[0]?.seq ?? 0;
  }

  addPending(message: Omit<PendingMessage, 'state'>): void {
    this.pending = [...this.pending, { ...message, state: 'sending' }];
  }

  setPending(clientId: string, state: PendingMessage['state'], error?: string, code?: string): void {
    this.pending = this.pending.map((p) => (p.clientId === clientId ? { ...p, state, error, code } : p));
  }

  findPending(clientId: string): PendingMessage | undefined {
    return this.pending.find((p) => p.clientId === clientId);
  }
}

/** `incoming` is older than what is held: it would bring a deleted message back, or an overtaken edit. */
function isStale(held: MessageFieldsFragment, incoming: MessageFieldsFragment): boolean {
  if (held.deletedAt) return !incoming.deletedAt;
  return !incoming.deletedAt && !!held.editedAt && (!incoming.editedAt || incoming.editedAt < held.editedAt);
}
