import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { SearchMessagesArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { MessageSearchConnection } from '../types/message-search.js';

@Resolver()
export class SearchResolver {
  @Query(() => MessageSearchConnection, {
    description:
      'Messages you can read that contain every word of the query (the last word also as the start of a word, from three letters), in the chats you are a member of now, or in one. ' +
      'Words match as written, in any language (lower and upper case alike; no stemming). Deleted messages never match; edited ones match their current text. ' +
      'Best match first, then newest. UNAVAILABLE while message bodies are encrypted at rest.',
  })
  async searchMessages(@Args() { query, chatId, first, after }: SearchMessagesArgs, @Ctx() context: Context): Promise<MessageSearchConnection> {
    const page = await context.services.search.messages(requireViewer(context), query, chatId, first, after);
    const edges = page.results.map(({ cursor, message, snippet }) => ({ cursor, node: message, snippet }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    } as MessageSearchConnection;
  }
}
