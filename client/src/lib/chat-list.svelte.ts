import type { Client } from '@urql/core';
import { ChatsDocument, ChatUpdatedDocument, type ChatFieldsFragment } from '@parley/sdk/documents';
import { toApiError } from './errors';

/** How many chats the list loads; the API's page maximum, far more than a sidebar shows at once. */
const CHATS_PAGE = 100;

const byActivity = (a: ChatFieldsFragment, b: ChatFieldsFragment) =>
  Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || (a.id < b.id ? -1 : 1);

/**
 * The viewer's chats, newest activity first. Loaded once, then kept current by
 * `chatUpdated` (each event is the whole chat as the viewer sees it, so it
 * simply replaces its entry).
 */
export class ChatList {
  chats = $state.raw<ChatFieldsFragment[]>([]);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  /** Chats from chatUpdated while a load is in flight: newer than what that load may answer with. */
  private arrivedDuringLoad = new Set<Map<string, ChatFieldsFragment>>();

  async load(client: Client): Promise<void> {
    const arrived = new Map<string, ChatFieldsFragment>();
    this.arrivedDuringLoad.add(arrived);
    const result = await client
      .query(ChatsDocument, { first: CHATS_PAGE })
      .toPromise()
      .finally(() => this.arrivedDuringLoad.delete(arrived));
    if (result.error || !result.data) {
      // Keep what is shown: a failed refresh after a reconnect should not blank the list.
      if (this.status !== 'ready') this.status = 'error';
      this.error = result.error ? toApiError(result.error).message : 'The chats could not be loaded.';
      return;
    }
    // An event that came while the page was on its way wins over the page (a read that cleared a badge, a new message).
    const loaded = result.data.chats.edges.map((e) => arrived.get(e.node.id) ?? e.node);
    const added = [...arrived.values()].filter((c) => !loaded.some((l) => l.id === c.id));
    this.chats = [...loaded, ...added].sort(byActivity);
    this.status = 'ready';
    this.error = null;
  }

  upsert(chat: ChatFieldsFragment): void {
    this.chats = [...this.chats.filter((c) => c.id !== chat.id), chat].sort(byActivity);
  }

  /** A chat the viewer left or was removed from: chatUpdated says nothing of those. */
  remove(id: string): void {
    this.chats = this.chats.filter((c) => c.id !== id);
  }

  find(id: string): ChatFieldsFragment | undefined {
    return this.chats.find((c) => c.id === id);
  }

  /**
   * Follows chatUpdated; returns the unsubscribe. The SDK's exchange
   * resubscribes after a drop and calls `onReconnect`: events sent meanwhile
   * are not replayed, so the list is read again. `onUpdated` sees each chat
   * with what the list held before.
   */
  follow(client: Client, onUpdated?: (next: ChatFieldsFragment, previous: ChatFieldsFragment | undefined) => void): () => void {
    const onReconnect = () => void this.load(client);
    const { unsubscribe } = client.subscription(ChatUpdatedDocument, {}, { onReconnect }).subscribe((result) => {
      if (!result.data) return;
      const next = result.data.chatUpdated;
      const previous = this.find(next.id);
      for (const arrived of this.arrivedDuringLoad) arrived.set(next.id, next);
      this.upsert(next);
      onUpdated?.(next, previous);
    });
    return unsubscribe;
  }
}
