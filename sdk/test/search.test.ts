import { describe, expect, it } from 'vitest';
import { isParleyError } from '../src/index.js';
import { Clients, signedUp, TestParley } from './support/parley.js';

describe('searchMessages', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('finds what was said in the viewer’s chats, pages with endCursor, and refuses bad input with a code', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    for (let i = 0; i < 3; i++) await ada.client.sendMessage(chat.id, `the harbour ferry leaves at ${i}`);
    let page = await bob.client.searchMessages('harbour ferr', { first: 2 });
    for (let tries = 0; page.edges.length < 2 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await bob.client.searchMessages('harbour ferr', { first: 2 });
    }
    expect(page.edges.map((e) => e.snippet)).toEqual(['the [[harbour]] [[ferry]] leaves at 2', 'the [[harbour]] [[ferry]] leaves at 1']);
    expect(page.edges[0]!.node.chatId).toBe(chat.id);
    const rest = await bob.client.searchMessages('harbour ferr', { first: 2, after: page.pageInfo.endCursor! });
    expect(rest.edges.map((e) => e.node.body)).toEqual(['the harbour ferry leaves at 0']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const refused = await bob.client.searchMessages('?!').catch((error: unknown) => error);
    expect(isParleyError(refused) && refused.code).toBe('BAD_USER_INPUT');
  });
});
