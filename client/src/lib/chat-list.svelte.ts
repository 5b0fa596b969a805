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

  async load(client: Client): Promise<void> {
    const result = await client.query(ChatsDocument, { first: CHATS_PAGE }).toPromise();
    if (result.error || !result.data) {
      // Keep what is shown: a failed refresh after a reconnect should not blank the list.
      if (this.status !== 'ready') this.status = 'error';
      this.error = result.error ? toApiError(result.error).message : 'The chats could not be loaded.';
      return;
    }
    this.chats = result.data.chats.edges.map((e) => e.node).sort(byActivity);
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
   * are not replayed, so the list is read again.
   */
  follow(client: Client): () => void {
    const onReconnect = () => void this.load(client);
    const { unsubscribe } = client.subscription(ChatUpdatedDocument, {}, { onReconnect }).subscribe((result) => {
      // urql repeats the last data beside the error that ends a subscription: that chat is stale, not news.
      if (!result.error && result.data) this.upsert(result.data.chatUpdated);
    });
    return unsubscribe;
  }
}
