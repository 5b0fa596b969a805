import type { Client } from '@urql/core';
import { SearchMessagesDocument, type MessageFieldsFragment } from '@parley/sdk/documents';
import { toApiError, type ApiError } from './errors';

/**
 * A search's error in words for a person. The API's input errors name the argument ("query must contain a word
 * (letters or digits)", "query must be 1 to 256 characters"): said as such under the box they read as a fault.
 */
export function describeSearchError(error: ApiError): string {
  if (error.code !== 'BAD_USER_INPUT' || !/^query\b/.test(error.message)) return error.message;
  if (/\bword\b/.test(error.message)) return 'Search for a word: letters or digits, not only symbols.';
  const most = /(\d+) characters/.exec(error.message)?.[1];
  if (most) return `A search can be up to ${most} characters.`;
  return `${error.message.replace(/^query\b/, 'The search')}.`;
}

/** Results per page: a sidebar of them. */
const PAGE = 20;

export interface SearchResult {
  cursor: string;
  message: MessageFieldsFragment;
  /** The matching part, matches between [[ and ]] (parseSnippet). */
  snippet: string;
}

/**
 * Message search (`searchMessages`): the results of the newest query, paged
 * with `after`. A query asked while an older one is still on its way wins:
 * the older answer is dropped when it comes.
 */
export class MessageSearch {
  /** idle: nothing asked; searching: a first page on its way; done: results (maybe none); error: the API's message in `error`. */
  status = $state<'idle' | 'searching' | 'done' | 'error'>('idle');
  results = $state.raw<SearchResult[]>([]);
  error = $state<string | null>(null);
  hasMore = $state(false);
  loadingMore = $state(false);

  private query = '';
  private chatId: string | null = null;
  private endCursor: string | null = null;
  private generation = 0;

  constructor(private readonly client: Client) {}

  async search(query: string, chatId: string | null = null): Promise<void> {
    const generation = ++this.generation;
    this.query = query;
    this.chatId = chatId;
    this.status = 'searching';
    this.error = null;
    this.loadingMore = false;
    const page = await this.page(generation, null);
    if (!page) return;
    this.results = page.results;
    this.hasMore = page.hasMore;
    this.endCursor = page.endCursor;
    this.status = 'done';
  }

  /** The next page of the current query, after the last result shown. */
  async more(): Promise<void> {
    if (this.status !== 'done' || !this.hasMore || this.loadingMore || !this.endCursor) return;
    const generation = this.generation;
    this.loadingMore = true;
    this.error = null;
    const page = await this.page(generation, this.endCursor);
    if (!page) return;
    this.loadingMore = false;
    const shown = new Set(this.results.map((r) => r.message.id));
    this.results = [...this.results, ...page.results.filter((r) => !shown.has(r.message.id))];
    this.hasMore = page.hasMore;
    this.endCursor = page.endCursor ?? this.endCursor;
  }

  /** Nothing asked: an answer still on its way is dropped. */
  clear(): void {
    this.generation++;
    this.status = 'idle';
    this.results = [];
    this.error = null;
    this.hasMore = false;
    this.loadingMore = false;
    this.endCursor = null;
  }

  /** One page, or null when a newer query (or clear) came first or it failed (then `error` says why). */
  private async page(generation: number, after: string | null) {
    const result = await this.client
      .query(SearchMessagesDocument, { query: this.query, chatId: this.chatId, first: PAGE, after })
      .toPromise();
    if (generation !== this.generation) return null;
    const connection = result.data?.searchMessages;
    if (!connection) {
      this.loadingMore = false;
      this.error = result.error ? describeSearchError(toApiError(result.error)) : 'Search did not answer. Try again.';
      // A first page that failed has nothing to show; a further one keeps the results above it (and More results to retry).
      if (after === null) {
        this.status = 'error';
        this.results = [];
        this.hasMore = false;
      }
      return null;
    }
    return {
      results: connection.edges.map((e) => ({ cursor: e.cursor, message: e.node, snippet: e.snippet })),
      hasMore: connection.pageInfo.hasNextPage,
      endCursor: connection.pageInfo.endCursor ?? null,
    };
  }
}
