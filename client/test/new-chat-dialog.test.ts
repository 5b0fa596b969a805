import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import type { Client } from '@urql/core';
import { describe, expect, it } from 'vitest';
import NewChatDialog from '../src/lib/components/NewChatDialog.svelte';

const now = new Date().toISOString();
const person = (id: string, displayName: string) => ({ id, username: `${id}_keys`, displayName, createdAt: now, isBot: false });
const people = [person('ada', 'Ada Keys'), person('bob', 'Bob Keys'), person('cat', 'Cat Keys'), person('dan', 'Dan Keys')];

/** A client whose `users(search)` answers at once, except for searches the test holds back and lets go of later. */
function peopleClient() {
  const held = new Map<string | null, () => void>();
  const holding = new Set<string | null>();
  const query = (_document: unknown, variables: { search: string | null }) => ({
    toPromise: () =>
      new Promise((resolve) => {
        const answer = () => resolve({ data: { users: people.filter((p) => variables.search === null || p.username.startsWith(variables.search)) } });
        if (holding.has(variables.search)) held.set(variables.search, answer);
        else answer();
      }),
  });
  return {
    client: { query, mutation: query } as unknown as Client,
    hold: (search: string | null) => holding.add(search),
    sent: (search: string | null) => held.has(search),
    release: (search: string | null) => {
      holding.delete(search);
      held.get(search)?.();
      held.delete(search);
    },
  };
}

// jsdom has <dialog> without showModal/close: open is the attribute the component's effect sets through them.
HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.open = true;
};
HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
  this.open = false;
};

describe('new chat dialog', () => {
  it('Enter in a group’s search adds the person typed even when an older search answers after the typing', async () => {
    const fake = peopleClient();
    render(NewChatDialog, { props: { viewerId: 'ada', open: true, onClose: () => undefined, onCreated: () => undefined }, context: new Map([['$$_urql', fake.client]]) });
    await userEvent.click(screen.getByRole('radio', { name: 'Group' }));
    const search = screen.getByLabelText('Find people');

    await userEvent.type(search, 'bob_keys');
    await screen.findByRole('checkbox', { name: /bob_keys/ });
    // Adding Bob empties the search, which asks for everyone: that answer is held back...
    fake.hold(null);
    await userEvent.type(search, '{Enter}');
    await waitFor(() => expect(fake.sent(null)).toBe(true));
    expect(document.querySelector('.selected-people')?.textContent).toContain('Bob Keys');

    // ...until Cat's name is typed: then it comes, listing everyone, and Enter follows at once.
    await userEvent.type(search, 'cat_keys');
    fake.release(null);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await userEvent.type(search, '{Enter}');
    // Taken as settling Cat's search, the stale answer would list four people, and Enter would add no one.
    await waitFor(() => expect(document.querySelector('.selected-people')?.textContent).toContain('Cat Keys'));
    expect((search as HTMLInputElement).value).toBe('');
  });
});
