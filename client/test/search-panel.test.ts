import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ChatFieldsFragment } from '@parley/sdk/documents';
import SearchPanel from '../src/lib/components/SearchPanel.svelte';
import { describeSearchError, MessageSearch } from '../src/lib/message-search.svelte';
import { fakeClient, type Answer } from './fake-client';

const now = new Date().toISOString();
const ada = { id: 'ada', username: 'ada', displayName: 'Ada Lovelace', createdAt: now, isBot: false };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob Stone', createdAt: now, isBot: false };

const chat = (id: string, extra: Partial<ChatFieldsFragment>): ChatFieldsFragment =>
  ({ id, kind: 'DIRECT', title: null, lastSeq: 0, lastReadSeq: 0, unreadCount: 0, createdAt: now, updatedAt: now, memberCount: 2, members: [ada, bob], lastMessage: null, ...extra }) as ChatFieldsFragment;
const chats = [chat('c1', {}), chat('c2', { kind: 'GROUP', title: 'Book club' })];

const edge = (chatId: string, seq: number, sender: typeof ada, snippet: string) => ({
  cursor: `cur-${chatId}-${seq}`,
  snippet,
  node: { id: `m-${chatId}-${seq}`, chatId, seq, kind: 'TEXT', clientId: null, body: snippet.replace(/\[\[|\]\]/g, ''), createdAt: now, editedAt: null, deletedAt: null, sender, subject: null, replyTo: null },
});
const page = (edges: ReturnType<typeof edge>[], hasNextPage = false): Answer => ({
  data: { searchMessages: { edges, pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } } },
});

function renderPanel(answer: (variables: Record<string, unknown>) => Answer, props: Record<string, unknown> = {}) {
  const fake = fakeClient({ SearchMessages: answer });
  const rendered = render(SearchPanel, { chats, viewerId: ada.id, client: fake.client, ...props });
  return { ...fake, ...rendered };
}

describe('message search panel', () => {
  it("says a search's input errors in words rather than the API's, which name its argument", () => {
    const bad = (message: string) => describeSearchError({ code: 'BAD_USER_INPUT', message });
    expect(bad('query must contain a word (letters or digits)')).toBe('Search for a word: letters or digits, not only symbols.');
    expect(bad('query must be 1 to 256 characters')).toBe('A search can be up to 256 characters.');
    expect(bad('query is odd')).toBe('The search is odd.');
    expect(bad('chatId is not a valid id')).toBe('chatId is not a valid id');
    expect(describeSearchError({ code: 'UNAVAILABLE', message: 'Search is off on this server' })).toBe('Search is off on this server');
  });

  it('asks once per pause in typing and lists each result with its chat, sender, time and marked matches', async () => {
    const { calls } = renderPanel(() =>
      page([edge('c1', 3, bob, 'Shall we meet at the [[lighthouse]] tomorrow?'), edge('c2', 9, ada, '…the [[lighthouse]] <b>keeper</b>')]),
    );
    await userEvent.type(screen.getByLabelText('Search messages'), 'lighthouse');
    await screen.findByText('2 results');
    expect(calls).toEqual([{ operation: 'SearchMessages', variables: { query: 'lighthouse', chatId: null, first: 20, after: null } }]);

    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['#/chats/c1/m/3', '#/chats/c2/m/9']);
    expect(within(links[0]!).getByText('Bob Stone', { selector: '.result-chat' })).toBeTruthy();
    expect(within(links[0]!).getByText('Bob Stone', { selector: '.result-sender' })).toBeTruthy();
    expect(within(links[1]!).getByText('Book club')).toBeTruthy();
    expect(within(links[1]!).getByText('You')).toBeTruthy();
    expect(links[0]!.querySelector('time')!.getAttribute('datetime')).toBe(now);
    const snippet = links[1]!.querySelector('.result-snippet')!;
    expect([...snippet.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['lighthouse']);
    // Markup in a message is text, never HTML.
    expect(snippet.querySelector('b')).toBeNull();
    expect(snippet.textContent).toBe('…the lighthouse <b>keeper</b>');
  });

  it('says when nothing matches, why a query was refused (in words) and that search is off', async () => {
    let answer: Answer = page([]);
    renderPanel(() => answer);
    const box = screen.getByLabelText('Search messages');
    await userEvent.type(box, 'zebra');
    await screen.findByText('No messages match.');

    answer = { code: 'BAD_USER_INPUT', message: 'query must be at most 256 characters' };
    await userEvent.type(box, 'x');
    // In words, not the API's "query must …" (which names the argument).
    expect((await screen.findByRole('alert')).textContent).toBe('A search can be up to 256 characters.');
    expect(screen.queryByText('No messages match.')).toBeNull();

    answer = { code: 'UNAVAILABLE', message: 'Search is off on this server: message bodies are encrypted (MESSAGE_KEYS)' };
    await userEvent.type(box, 'y');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Search is off on this server'));
  });

  it('pages with More results after the last cursor, adding below what is shown', async () => {
    const { calls } = renderPanel((v) =>
      v.after ? page([edge('c1', 1, bob, '[[tea]] later')]) : page([edge('c1', 5, bob, '[[tea]]?'), edge('c2', 4, bob, 'green [[tea]]')], true),
    );
    await userEvent.type(screen.getByLabelText('Search messages'), 'tea');
    await screen.findByText('2 results, more below');
    await userEvent.click(screen.getByRole('button', { name: 'More results' }));
    await screen.findByText('3 results');
    expect(calls.at(-1)!.variables).toMatchObject({ query: 'tea', after: 'cur-c2-4' });
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['#/chats/c1/m/5', '#/chats/c2/m/4', '#/chats/c1/m/1']);
    expect(screen.queryByRole('button', { name: 'More results' })).toBeNull();
  });

  it('searches only the open chat when asked, and moves by arrow keys; Escape clears it and returns to the box', async () => {
    const { calls } = renderPanel(() => page([edge('c1', 5, bob, '[[tea]]?'), edge('c1', 4, bob, 'green [[tea]]')]), { activeId: 'c1' });
    const box = screen.getByLabelText('Search messages');
    await userEvent.type(box, 'tea');
    await screen.findByText('2 results');
    await userEvent.click(screen.getByLabelText('This chat only'));
    await waitFor(() => expect(calls.at(-1)!.variables).toMatchObject({ query: 'tea', chatId: 'c1' }));

    box.focus();
    await userEvent.keyboard('{ArrowDown}');
    const links = screen.getAllByRole('link');
    expect(document.activeElement).toBe(links[0]);
    await userEvent.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(links[1]);
    await userEvent.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(links[1]);
    await userEvent.keyboard('{ArrowUp}{ArrowUp}');
    expect(document.activeElement).toBe(box);
    await userEvent.keyboard('{ArrowDown}{Escape}');
    expect(document.activeElement).toBe(box);
    expect((box as HTMLInputElement).value).toBe('');
    expect(screen.queryAllByRole('link')).toEqual([]);
  });
});

describe('message search store', () => {
  it('drops an answer to a query overtaken by a newer one', async () => {
    // Answers come when the test says, newest first.
    const waiting: ((answer: { data: unknown }) => void)[] = [];
    const client = { query: () => ({ toPromise: () => new Promise((resolve) => waiting.push(resolve)) }) } as never;
    const search = new MessageSearch(client);
    const first = search.search('old');
    const second = search.search('new');
    waiting[1]!(page([edge('c1', 2, bob, '[[new]]')]) as { data: unknown });
    await second;
    waiting[0]!(page([edge('c1', 1, bob, '[[old]]')]) as { data: unknown });
    await first;
    expect(search.results.map((r) => r.snippet)).toEqual(['[[new]]']);
    expect(search.status).toBe('done');
  });

  it('keeps what it found when a further page fails, saying why', async () => {
    let fail = false;
    const { client } = fakeClient({ SearchMessages: () => (fail ? { code: 'UNAVAILABLE', message: 'The database is not answering' } : page([edge('c1', 2, bob, '[[a]]')], true)) });
    const search = new MessageSearch(client);
    await search.search('abc');
    fail = true;
    await search.more();
    expect(search.results).toHaveLength(1);
    expect(search.error).toBe('The database is not answering');
    expect(search.status).toBe('done');
    expect(search.hasMore).toBe(true);
  });
});
