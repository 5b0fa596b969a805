import type { Client } from '@urql/core';
import { ChatPresenceDocument, PresenceChangedDocument, type ContactFieldsFragment } from '@parley/sdk/documents';
import { clockTime } from './format';

export type Contact = ContactFieldsFragment;
export type Presence = Contact['presence'];

/** How often "last seen 5 min ago" is brought up to date. */
const TICK_MS = 30_000;

/**
 * Who is online among the people of the open chat. Parley sends changes only
 * (`presenceChanged`), so presence is read (`presence(chatId)`) after every
 * subscribe; a change that arrives while a read runs is newer than that read
 * and is never overwritten by it.
 */
export class PresenceStore {
  private byUser = $state.raw<ReadonlyMap<string, Presence>>(new Map());
  /** The clock "last seen" is told against; ticks while followed. */
  now = $state(Date.now());
  /** Live changes applied so far, and the count when each user's last one came. */
  private changes = 0;
  private changedAt = new Map<string, number>();
  private load: (() => Promise<Contact[]>) | null = null;

  get(userId: string): Presence | undefined {
    return this.byUser.get(userId);
  }

  isOnline(userId: string): boolean {
    return this.byUser.get(userId)?.status === 'ONLINE';
  }

  /** A live change: always the latest word on that person. */
  change(contact: Contact): void {
    this.changes += 1;
    this.changedAt.set(contact.id, this.changes);
    this.set([contact]);
  }

  /** Applies a read, except for people whose live change came after the read began. */
  async read(load: () => Promise<readonly Contact[]>): Promise<void> {
    const from = this.changes;
    const contacts = await load();
    this.set(contacts.filter((c) => (this.changedAt.get(c.id) ?? 0) <= from));
  }

  /** Reads the open chat's presence again (members were added). A failed read changes nothing. */
  refresh(): Promise<void> {
    return this.load ? this.read(this.load).catch(() => undefined) : Promise.resolve();
  }

  /**
   * Follows presence for one chat's members; returns the stop. The read goes
   * to the SDK's exchange as `context.resync`: it runs it after every
   * (re)subscribe and hands its answer out as changes, before the ones that
   * follow.
   */
  follow(client: Client, chatId: string): () => void {
    const load = (this.load = () => readPresence(client, chatId));
    const { unsubscribe } = client
      .subscription(PresenceChangedDocument, {}, { resync: load })
      .subscribe((result) => {
        if (result.data) this.change(result.data.presenceChanged);
      });
    const tick = setInterval(() => (this.now = Date.now()), TICK_MS);
    return () => {
      unsubscribe();
      clearInterval(tick);
      this.load = null;
    };
  }

  private set(contacts: readonly Contact[]): void {
    if (contacts.length === 0) return;
    const next = new Map(this.byUser);
    for (const contact of contacts) next.set(contact.id, contact.presence);
    this.byUser = next;
  }
}

/** The members of a chat with their presence; throws the query's error (FORBIDDEN once no longer a member). */
async function readPresence(client: Client, chatId: string): Promise<Contact[]> {
  const result = await client.query(ChatPresenceDocument, { chatId, first: 100 }).toPromise();
  if (result.error) throw result.error;
  return result.data?.chat?.members ?? [];
}

const MINUTE = 60_000;
const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();

/** "online", "last seen just now", "last seen 5 min ago", "last seen today at 09:12", "last seen yesterday at 14:05", "last seen 12 Mar at 14:05". */
export function presenceText(presence: Presence | undefined, now: number = Date.now()): string {
  if (!presence) return '';
  if (presence.status === 'ONLINE') return 'online';
  if (!presence.lastSeenAt) return 'offline';
  const seen = new Date(presence.lastSeenAt);
  const ago = now - seen.getTime();
  if (ago < MINUTE) return 'last seen just now';
  if (ago < 60 * MINUTE) return `last seen ${Math.floor(ago / MINUTE)} min ago`;
  const today = new Date(now);
  const at = clockTime(presence.lastSeenAt);
  if (sameDay(seen, today)) return `last seen today at ${at}`;
  const yesterday = new Date(today);
  yesterday.setDate(today.getDate() - 1);
  if (sameDay(seen, yesterday)) return `last seen yesterday at ${at}`;
  return `last seen ${seen.toLocaleDateString([], { day: 'numeric', month: 'short' })} at ${at}`;
}

/** A group's header line: "3 members, 1 online" ("1 member"; no online part when nobody is). */
export function membersText(memberCount: number, online: number): string {
  const members = `${memberCount} ${memberCount === 1 ? 'member' : 'members'}`;
  return online > 0 ? `${members}, ${online} online` : members;
}
