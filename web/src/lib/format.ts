import type { ChatFieldsFragment, UserFieldsFragment } from '@parley/sdk/documents';

/** A group's title, or the other member's name for a direct chat. */
export function chatTitle(chat: Pick<ChatFieldsFragment, 'kind' | 'title' | 'members'>, viewerId: string): string {
  if (chat.kind === 'GROUP') return chat.title ?? 'Group';
  const other = chat.members.find((m) => m.id !== viewerId) ?? chat.members[0];
  return other?.displayName ?? 'Direct chat';
}

/** Initials for an avatar: "Ada Lovelace" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name.trim().split(/[\s_]+/).filter(Boolean);
  return words.slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}

/** One of a few calm hues, stable per id, so a person keeps their colour everywhere. */
export function hueClass(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return `hue-${Math.abs(hash) % 6}`;
}

const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();

/** List time: "14:05" today, "Tue" this week, "12 Mar" before. */
export function shortTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (sameDay(date, now)) return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (now.getTime() - date.getTime() < 6 * 24 * 3600 * 1000) return date.toLocaleDateString([], { weekday: 'short' });
  return date.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

export const clockTime = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** A day separator's label in a chat: "Today", "Yesterday", or the date. */
export function dayLabel(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (sameDay(date, now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Yesterday';
  return date.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long' });
}

export const displayNameOf = (user: UserFieldsFragment) => user.displayName || user.username;
