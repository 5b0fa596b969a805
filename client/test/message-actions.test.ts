import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { MessageFieldsFragment } from '@parley/sdk/documents';
import MessageList from '../src/lib/components/MessageList.svelte';
import { ChatFeed } from '../src/lib/chat-feed.svelte';
import {
  MessageActionsState,
  availableActions,
  describeActionError,
  editProblem,
  menuMove,
  quoteOf,
} from '../src/lib/message-actions.svelte';
import { Timeline } from '../src/lib/timeline.svelte';
import { fakeClient } from './fake-client';

const now = '2026-12-02T10:00:00.000Z';
const later = '2026-12-02T10:05:00.000Z';
const latest = '2026-12-02T10:09:00.000Z';
const user = (id: string, displayName: string) => ({ id, username: id, displayName, createdAt: now, isBot: false });
const ada = user('ada', 'Ada');
const bob = user('bob', 'Bob');

const message = (seq: number, sender = bob, body = `message ${seq}`, extra: Partial<MessageFieldsFragment> = {}): MessageFieldsFragment => ({
  id: `m${seq}`,
  chatId: 'c1',
  seq,
  kind: 'TEXT',
  clientId: null,
  body,
  createdAt: now,
  editedAt: null,
  deletedAt: null,
  sender,
  subject: null,
  replyTo: null,
  ...extra,
});
const direct = { kind: 'DIRECT' as const, owner: null };
const groupOwnedBy = (owner: typeof ada) => ({ kind: 'GROUP' as const, owner });

describe('which actions a message offers', () => {
  it('lets the sender reply, edit and delete; others in a direct chat only reply', () => {
    expect(availableActions(message(1, ada), ada.id, direct)).toEqual({ reply: true, edit: true, delete: true });
    expect(availableActions(message(1, bob), ada.id, direct)).toEqual({ reply: true, edit: false, delete: false });
  });

  it('lets a group’s owner delete anyone’s text message, but not edit it; other members cannot delete others’ messages', () => {
    expect(availableActions(message(1, bob), ada.id, groupOwnedBy(ada))).toEqual({ reply: true, edit: false, delete: true });
    expect(availableActions(message(1, ada), bob.id, groupOwnedBy(ada))).toEqual({ reply: true, edit: false, delete: false });
    // Until the chat is known (a reload straight into it), nobody is the owner.
    expect(availableActions(message(1, bob), ada.id, undefined)).toEqual({ reply: true, edit: false, delete: false });
  });

  it('offers nothing on a deleted message or a system line', () => {
    expect(availableActions(message(1, ada, '', { deletedAt: later }), ada.id, groupOwnedBy(ada))).toEqual({ reply: false, edit: false, delete: false });
    expect(availableActions(message(1, ada, '', { kind: 'MEMBER_JOINED' }), ada.id, groupOwnedBy(ada))).toEqual({ reply: false, edit: false, delete: false });
  });
});

describe('a reply’s quote', () => {
  it('is the sender and the first non-empty line, shortened; You for the viewer; “Message deleted” once deleted', () => {
    expect(quoteOf(message(1, bob, '\n  First line  \nsecond'), ada.id)).toEqual({ sender: 'Bob', text: 'First line', deleted: false });
    expect(quoteOf(message(1, ada, 'mine'), ada.id).sender).toBe('You');
    expect(quoteOf(message(1, bob, 'x'.repeat(300)), ada.id).text).toBe(`${'x'.repeat(119)}…`);
    expect(quoteOf(message(1, bob, '', { deletedAt: later }), ada.id)).toEqual({ sender: 'Bob', text: 'Message deleted', deleted: true });
  });
});

describe('an edit’s problems', () => {
  it('refuses an empty or too long text before asking, counting characters as the server does', () => {
    expect(editProblem('   \n ')).toMatch(/cannot be empty/);
    expect(editProblem('x'.repeat(4001))).toMatch(/up to 4000 characters/);
    expect(editProblem('😀'.repeat(4000))).toBeNull();
    expect(editProblem(' fine ')).toBeNull();
  });

  it('says the server’s errors in words', () => {
    expect(describeActionError({ code: 'BAD_USER_INPUT', message: 'body must be 1 to 4000 trimmed characters' }, 'edit')).toBe(
      'The message must be 1 to 4000 trimmed characters.',
    );
    expect(describeActionError({ code: 'CONFLICT', message: 'This message was deleted' }, 'edit')).toBe('This message has been deleted.');
    expect(describeActionError({ code: 'NETWORK', message: 'x' }, 'delete')).toBe('Not deleted: no connection. Try again.');
  });
});

describe('menu keys', () => {
  it('moves with the arrows (wrapping), Home and End; ignores other keys', () => {
    expect([menuMove('ArrowDown', 2, 3), menuMove('ArrowUp', 0, 3), menuMove('Home', 2, 3), menuMove('End', 0, 3)]).toEqual([0, 2, 0, 2]);
    expect(menuMove('ArrowDown', -1, 3)).toBe(0);
    expect(menuMove('a', 0, 3)).toBeNull();
  });
});

describe('Timeline.update', () => {
  it('replaces the held message and refreshes quotes of it; ignores a message it does not hold', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, ada, 'original'), message(2, bob, 'answer', { replyTo: { ...message(1, ada, 'original') } })]);
    timeline.update(message(1, ada, 'corrected', { editedAt: later }));
    expect(timeline.messages.map((m) => m.body)).toEqual(['corrected', 'answer']);
    expect(timeline.messages[1]!.replyTo!.body).toBe('corrected');
    timeline.update(message(1, ada, '', { editedAt: later, deletedAt: latest }));
    expect(timeline.messages[1]!.replyTo!.deletedAt).toBe(latest);
    timeline.update(message(9, ada, 'not here'));
    expect(timeline.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('refreshes a reply’s quote even when the original is outside the pages loaded', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(50, bob, 'answer', { replyTo: { ...message(1, ada, 'long ago') } })]);
    timeline.update(message(1, ada, '', { deletedAt: later }));
    expect(timeline.messages.map((m) => m.seq)).toEqual([50]);
    expect(timeline.messages[0]!.replyTo).toMatchObject({ id: 'm1', body: '', deletedAt: later });
  });

  it('never undoes a deletion nor lets an older edit replace a newer one', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, ada, 'first')]);
    timeline.update(message(1, ada, 'newest', { editedAt: latest }));
    timeline.update(message(1, ada, 'older', { editedAt: later }));
    expect(timeline.messages[0]!.body).toBe('newest');
    timeline.update(message(1, ada, '', { editedAt: latest, deletedAt: latest }));
    timeline.update(message(1, ada, 'late edit', { editedAt: '2026-12-02T11:00:00.000Z' }));
    expect(timeline.messages[0]!.deletedAt).toBe(latest);
    expect(timeline.messages[0]!.body).toBe('');
  });
});

describe('edit and delete against the API', () => {
  it('saves an edit into the timeline and closes the editor; says a refused one in words and keeps it open', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, ada, 'typo hre')]);
    const { client, calls } = fakeClient({
      EditMessage: (v) =>
        v.body === 'too much'
          ? { code: 'BAD_USER_INPUT', message: 'body must be 1 to 4000 trimmed characters' }
          : { data: { editMessage: message(1, ada, String(v.body).trim(), { editedAt: later }) } },
    });
    const actions = new MessageActionsState(client, timeline, ada.id, () => direct);
    actions.startEdit(timeline.messages[0]!);
    expect(actions.editingId).toBe('m1');
    expect(await actions.save(timeline.messages[0]!, 'too much')).toBe('The message must be 1 to 4000 trimmed characters.');
    expect(actions.editingId).toBe('m1');
    expect(await actions.save(timeline.messages[0]!, ' typo here ')).toBeNull();
    expect(actions.editingId).toBeNull();
    expect(timeline.messages[0]).toMatchObject({ body: 'typo here', editedAt: later });
    // Unchanged or empty: no request at all.
    actions.startEdit(timeline.messages[0]!);
    expect(await actions.save(timeline.messages[0]!, 'typo here')).toBeNull();
    expect(await actions.save(timeline.messages[0]!, '  ')).toMatch(/cannot be empty/);
    expect(calls.map((c) => c.operation)).toEqual(['EditMessage', 'EditMessage']);
  });

  it('does not start editing someone else’s message', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, bob)]);
    const actions = new MessageActionsState(fakeClient({}).client, timeline, ada.id, () => groupOwnedBy(ada));
    actions.startEdit(timeline.messages[0]!);
    expect(actions.editingId).toBeNull();
  });

  it('applies a deletion to the timeline, and to the quote being replied to', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, bob, 'spam')]);
    const { client } = fakeClient({ DeleteMessage: { data: { deleteMessage: message(1, bob, '', { deletedAt: later }) } } });
    const actions = new MessageActionsState(client, timeline, ada.id, () => groupOwnedBy(ada));
    actions.reply(timeline.messages[0]!);
    expect(await actions.remove(timeline.messages[0]!)).toBeNull();
    expect(timeline.messages[0]!.deletedAt).toBe(later);
    expect(actions.replyingTo?.deletedAt).toBe(later);
  });

  it('sends a reply with replyToId, and the pending message carries the quote (retries too)', async () => {
    const { client, calls } = fakeClient({ SendMessage: { code: 'UNAVAILABLE', message: 'try later' } });
    const feed = new ChatFeed(client, 'c1', ada);
    feed.timeline.add([message(1, bob, 'Lunch?\nAt noon')]);
    const actions = new MessageActionsState(client, feed.timeline, ada.id, () => direct);
    actions.reply(feed.timeline.messages[0]!);
    feed.send('Yes!', actions.replyingTo ?? undefined);
    expect(feed.timeline.pending[0]!.replyTo).toMatchObject({ id: 'm1', body: 'Lunch?\nAt noon', sender: { id: 'bob' } });
    await new Promise((r) => setTimeout(r, 0));
    feed.retry(feed.timeline.pending[0]!.clientId);
    await new Promise((r) => setTimeout(r, 0));
    feed.send('plain');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => c.variables.replyToId ?? null)).toEqual(['m1', 'm1', null]);
    feed.stop();
  });

  it('replies to the message as the timeline holds it now: an edit or deletion meanwhile shows in the quote', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([message(1, bob, 'first words')]);
    const actions = new MessageActionsState(fakeClient({}).client, timeline, ada.id, () => direct);
    actions.reply(timeline.messages[0]!);
    timeline.update(message(1, bob, 'second thoughts', { editedAt: later }));
    expect(actions.replyingTo?.body).toBe('second thoughts');
    actions.cancelReply();
    expect(actions.replyingTo).toBeNull();
  });
});

describe('message list with actions', () => {
  const setup = (chat: Parameters<typeof availableActions>[2] = direct, answers = {}) => {
    const timeline = new Timeline(ada.id);
    timeline.add([
      message(1, bob, 'from bob'),
      message(2, ada, 'from ada', { editedAt: later }),
      message(3, bob, 'a reply', { replyTo: { ...message(2, ada, 'from ada') } }),
      message(4, bob, '', { deletedAt: later }),
    ]);
    const { client, calls } = fakeClient(answers);
    const actions = new MessageActionsState(client, timeline, ada.id, () => chat);
    const jumps: number[] = [];
    const view = render(MessageList, { items: timeline.items, viewerId: ada.id, actions, onJumpTo: (seq: number) => jumps.push(seq) });
    const row = (seq: number) => view.container.querySelector<HTMLElement>(`.message[data-seq="${seq}"]`)!;
    return { timeline, actions, calls, jumps, row, view };
  };

  it('has an actions button on each live message but none on a deleted one, a menu with what the viewer may do, and arrow keys in it', async () => {
    const { row } = setup();
    expect(within(row(1)).getByRole('button', { name: 'More actions for Bob’s message' })).toBeTruthy();
    expect(within(row(4)).queryByRole('button', { name: /More actions/ })).toBeNull();
    await userEvent.click(within(row(1)).getByRole('button', { name: /More actions/ }));
    expect(within(row(1)).getAllByRole('menuitem').map((b) => b.textContent)).toEqual(['Reply']);
    await userEvent.keyboard('{Escape}');
    expect(within(row(1)).queryByRole('menu')).toBeNull();

    const more = within(row(2)).getByRole('button', { name: 'More actions for your message' });
    more.focus();
    await userEvent.keyboard('{ArrowDown}');
    const items = within(row(2)).getAllByRole('menuitem');
    expect(items.map((b) => b.textContent)).toEqual(['Reply', 'Edit', 'Delete']);
    await new Promise((r) => setTimeout(r, 0));
    expect(document.activeElement).toBe(items[0]);
    await userEvent.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(items[2]);
    await userEvent.keyboard('{Escape}');
    expect(document.activeElement).toBe(more);
  });

  it('marks an edited message, and a reply’s quote calls onJumpTo with the original’s seq', async () => {
    const { row, jumps } = setup();
    expect(within(row(2)).getByText('edited')).toBeTruthy();
    expect(within(row(1)).queryByText('edited')).toBeNull();
    const quote = within(row(3)).getByRole('button', { name: /In reply to You: from ada/ });
    await userEvent.click(quote);
    expect(jumps).toEqual([2]);
  });

  it('edits inline: Escape leaves the text as it was; a refused save says why in place', async () => {
    const { row, actions, timeline, view } = setup(direct, { EditMessage: { code: 'BAD_USER_INPUT', message: 'body must be 1 to 4000 trimmed characters' } });
    actions.startEdit(timeline.messages[1]!);
    await view.rerender({ items: timeline.items });
    const field = within(row(2)).getByLabelText('Edit message') as HTMLTextAreaElement;
    expect(field.value).toBe('from ada');
    await userEvent.type(field, ' and more');
    await userEvent.keyboard('{Escape}');
    expect(actions.editingId).toBeNull();
    expect(within(row(2)).getByText('from ada')).toBeTruthy();

    actions.startEdit(timeline.messages[1]!);
    await view.rerender({ items: timeline.items });
    const again = within(row(2)).getByLabelText('Edit message') as HTMLTextAreaElement;
    await userEvent.clear(again);
    await userEvent.keyboard('{Enter}');
    expect(within(row(2)).getByRole('alert').textContent).toMatch(/cannot be empty/);
    await userEvent.type(again, 'server says no');
    await userEvent.keyboard('{Enter}');
    await screen.findByText('The message must be 1 to 4000 trimmed characters.');
    expect(again.getAttribute('aria-invalid')).toBe('true');
  });
});
