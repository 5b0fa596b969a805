import type { ChatFieldsFragment, MessageFieldsFragment, UserFieldsFragment } from '@parley/sdk/documents';

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
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Yesterday';
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

/** The parts of a message a one-line summary needs. */
type Summarised = Pick<MessageFieldsFragment, 'kind' | 'body' | 'deletedAt'> & {
  sender: Pick<UserFieldsFragment, 'id' | 'displayName' | 'username'>;
  subject?: Pick<UserFieldsFragment, 'id' | 'displayName' | 'username'> | null;
};

/** What a system message says ("Ada added Bob"), or null for a text message. */
export function systemText(message: Summarised, viewerId: string): string | null {
  const name = (user: Pick<UserFieldsFragment, 'id' | 'displayName' | 'username'> | null | undefined) =>
    !user ? 'Someone' : user.id === viewerId ? 'You' : user.displayName || user.username;
  const who = name(message.sender);
  const whom = message.subject?.id === viewerId ? 'you' : name(message.subject);
  switch (message.kind ?? 'TEXT') {
    case 'MEMBER_JOINED':
      return message.subject?.id === message.sender.id ? `${who} joined` : `${who} added ${whom}`;
    case 'MEMBER_LEFT':
      return `${who} left`;
    case 'MEMBER_REMOVED':
      return `${who} removed ${whom}`;
    case 'CHAT_RENAMED':
      return `${who} renamed the group to “${message.body}”`;
    default:
      return null;
  }
}

/** A message as one line: its text, "Message deleted", or what a system message says. */
export const messageSummary = (message: Summarised, viewerId: string): string =>
  systemText(message, viewerId) ?? (message.deletedAt ? 'Message deleted' : message.body);
