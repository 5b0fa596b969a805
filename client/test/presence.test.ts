import { describe, expect, it } from 'vitest';
import { clockTime } from '../src/lib/format.js';
import { membersText, PresenceStore, presenceText, type Contact } from '../src/lib/presence.svelte.js';

const now = new Date(2026, 11, 2, 15, 0).getTime();
const offline = (at: Date | null) => ({ status: 'OFFLINE' as const, lastSeenAt: at?.toISOString() ?? null });

describe('presenceText (chat header and member list)', () => {
  it('says online, or how long ago: just now, minutes, today, yesterday, else the date, each with the time', () => {
    expect(presenceText({ status: 'ONLINE', lastSeenAt: null }, now)).toBe('online');
    expect(presenceText(offline(new Date(now - 20_000)), now)).toBe('last seen just now');
    expect(presenceText(offline(new Date(now - 5 * 60_000 - 10_000)), now)).toBe('last seen 5 min ago');
    expect(presenceText(offline(new Date(now - 59 * 60_000)), now)).toBe('last seen 59 min ago');
    const morning = new Date(2026, 11, 2, 9, 12);
    expect(presenceText(offline(morning), now)).toBe(`last seen today at ${clockTime(morning.toISOString())}`);
    const yesterday = new Date(2026, 11, 1, 14, 5);
    expect(presenceText(offline(yesterday), now)).toBe(`last seen yesterday at ${clockTime(yesterday.toISOString())}`);
    // Just after midnight, 23:50 is yesterday, not "today" and not minutes.
    expect(presenceText(offline(new Date(2026, 11, 1, 23, 0)), new Date(2026, 11, 2, 0, 30).getTime())).toMatch(/^last seen yesterday at /);
    const march = new Date(2026, 2, 12, 8, 0);
    expect(presenceText(offline(march), now)).toBe(`last seen ${march.toLocaleDateString([], { day: 'numeric', month: 'short' })} at ${clockTime(march.toISOString())}`);
  });

  it('says offline for someone never seen, and nothing while presence is unknown', () => {
    expect(presenceText(offline(null), now)).toBe('offline');
    expect(presenceText(undefined, now)).toBe('');
  });
});

describe('membersText (group header)', () => {
  it('counts members and who is online', () => {
    expect(membersText(3, 1)).toBe('3 members, 1 online');
    expect(membersText(3, 0)).toBe('3 members');
    expect(membersText(1, 1)).toBe('1 member, 1 online');
  });
});

const contact = (id: string, presence: Contact['presence']): Contact => ({
  id,
  username: id,
  displayName: id,
  createdAt: new Date(now).toISOString(),
  isBot: false,
  presence,
});

describe('PresenceStore', () => {
  it('applies live changes in order and a read of the chat', async () => {
    const store = new PresenceStore();
    await store.read(async () => [contact('ada', { status: 'ONLINE', lastSeenAt: null }), contact('bob', offline(new Date(now)))]);
    expect(store.isOnline('ada')).toBe(true);
    expect(store.isOnline('bob')).toBe(false);
    store.change(contact('bob', { status: 'ONLINE', lastSeenAt: null }));
    store.change(contact('ada', offline(new Date(now))));
    expect(store.isOnline('bob')).toBe(true);
    expect(store.get('ada')).toEqual(offline(new Date(now)));
  });

  it('never lets a read overwrite a change that arrived while it ran', async () => {
    const store = new PresenceStore();
    let answer!: (contacts: Contact[]) => void;
    const reading = store.read(() => new Promise<Contact[]>((resolve) => (answer = resolve)));
    // Bob comes online while the read is on its way; the read was taken before that.
    store.change(contact('bob', { status: 'ONLINE', lastSeenAt: null }));
    answer([contact('bob', offline(new Date(now - 60_000))), contact('cy', { status: 'ONLINE', lastSeenAt: null })]);
    await reading;
    expect(store.isOnline('bob')).toBe(true);
    expect(store.isOnline('cy')).toBe(true);
    // A later read is newer than that change, and wins.
    await store.read(async () => [contact('bob', offline(new Date(now)))]);
    expect(store.isOnline('bob')).toBe(false);
  });

  it('keeps what it knows when a read fails (refresh)', async () => {
    const store = new PresenceStore();
    store.change(contact('ada', { status: 'ONLINE', lastSeenAt: null }));
    await expect(store.read(async () => Promise.reject(new Error('FORBIDDEN')))).rejects.toThrow('FORBIDDEN');
    expect(store.isOnline('ada')).toBe(true);
  });
});
