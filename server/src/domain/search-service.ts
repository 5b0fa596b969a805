import type { MessageStore } from '../message-store/port.js';
import type { ChatService } from './chat-service.js';
import { unavailable } from './errors.js';
import { parseSearchCursor, searchCursor } from './cursor.js';
import { pageSize } from './limits.js';
import { storeUnavailable } from './message-stream.js';
import type { Message } from './models.js';
import { parseSearchQuery } from './search-query.js';
import { snippetOf } from './search-snippet.js';

export interface SearchResult {
  cursor: string;
  message: Message;
  snippet: string;
}

export interface SearchPage {
  results: SearchResult[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** Searching what was said, in the chats the viewer is a member of now. */
export class SearchService {
  constructor(
    private readonly chats: Pick<ChatService, 'assertMember' | 'memberChatIds'>,
    private readonly store: Pick<MessageStore, 'search'>,
    private readonly options: { encrypted: boolean } = { encrypted: false },
  ) {}

  async messages(viewerId: string, rawQuery: string, rawChatId: string | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<SearchPage> {
    // The engines index what they store: with MESSAGE_KEYS that is ciphertext, which no word matches.
    // Answered before anything is read, so it says the same to everyone and costs nothing.
    if (this.options.encrypted) throw unavailable(SEARCH_OFF);
    const terms = parseSearchQuery(rawQuery);
    const limit = pageSize(first ?? SEARCH_PAGE_DEFAULT, 'first');
    const position = after == null ? null : parseSearchCursor(after);
    const chatIds = rawChatId == null ? await this.chats.memberChatIds(viewerId) : [await this.chats.assertMember(viewerId, rawChatId)];
    const hits = await this.store.search(chatIds, terms, limit + 1, position).catch(storeUnavailable);
    return {
      results: hits.slice(0, limit).map(({ message, rank }) => ({
        cursor: searchCursor({ rank, createdAt: message.createdAt, id: message.id }),
        message,
        snippet: snippetOf(message.body, terms),
      })),
      hasNextPage: hits.length > limit,
      hasPreviousPage: position !== null,
    };
  }
}

/** What searchMessages answers while bodies are encrypted: not an outage, so retrying will not help until the configuration changes. */
export const SEARCH_OFF = 'Search is off on this server: message bodies are encrypted (MESSAGE_KEYS), and encrypted text cannot be searched';

/** Results per page unless the client asks: a screen of them. */
const SEARCH_PAGE_DEFAULT = 20;
