import type { MessageFieldsFragment, RepliedFieldsFragment, UserFieldsFragment } from '@parley/sdk/documents';

/** An own message not yet seen back from the server. */
export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  sender: UserFieldsFragment;
  /** sending: request out; accepted: the log has it (it will arrive); failed: say so, offer a retry. */
  state: 'sending' | 'accepted' | 'failed';
  error?: string;
  /** The error code of a failed send: a transient one is resent after a reconnect. */
  code?: string;
  /** A reply: the id of the message it answers (sent as `replyToId`), and that message to quote when held. */
  replyToId?: string;
  replyTo?: RepliedFieldsFragment | null;
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

  addPending(message: Omit<PendingMessage, 'state'>): void {
    this.pending = [...this.pending, { ...message, state: 'sending' }];
  }

  setPending(clientId: string, state: PendingMessage['state'], error?: string, code?: string): void {
    this.pending = this.pending.map((p) => (p.clientId === clientId ? { ...p, state, error, code } : p));
  }

  /**
   * Puts a changed message (the answer of an edit or a deletion) in place of
   * the one held with its id, and refreshes the quotes of replies to it (held
   * or not: the original may be outside the pages loaded). A deletion is never
   * undone and an older edit never replaces a newer one, whatever order the
   * answers and events arrive in.
   */
  update(message: MessageFieldsFragment): void {
    const held = this.messages.find((m) => m.id === message.id);
    if (!held && !this.messages.some((m) => m.replyTo?.id === message.id)) return;
    const stale =
      held &&
      ((held.deletedAt && !message.deletedAt) ||
        (!held.deletedAt && !message.deletedAt && held.editedAt && (!message.editedAt || message.editedAt < held.editedAt)));
    if (stale) return;
    this.messages = this.messages.map((m) => {
      if (m.id === message.id) return message;
      if (m.replyTo?.id === message.id) return { ...m, replyTo: { ...m.replyTo, body: message.body, deletedAt: message.deletedAt } };
      return m;
    });
  }

  findPending(clientId: string): PendingMessage | undefined {
    return this.pending.find((p) => p.clientId === clientId);
  }
}
