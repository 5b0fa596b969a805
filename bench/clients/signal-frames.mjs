/*
 * The typing and presence subscriptions as an app holds them, and readers for
 * their `next` frames. The load core reads up to ~100,000 frames a second, so
 * the two fields the bench needs are cut out of the text, as messageOf does;
 * anything unusual (an error payload, another event kind) takes the JSON.parse
 * path.
 */
import { signalUserId } from '../ids.mjs';

/** Every event of a chat; the bench reads who started or stopped typing. `cursor` is what an app keeps to resume. */
export const CHAT_EVENTS = 'subscription($chatId: ID!) { chatEvents(chatId: $chatId) { __typename cursor ... on TypingChanged { typing user { id } } } }';

export const PRESENCE_CHANGED = 'subscription { presenceChanged { id presence { status lastSeenAt } } }';

const USER_AT = '"user":{"id":"';
const TYPING_AT = '"typing":';
const PRESENCE_AT = '"presenceChanged":{"id":"';
const STATUS_AT = '"status":"';
const UUID_LENGTH = 36;

/** The subscription id of a `next` frame (`{"id":"…"` is how the server starts every frame). */
export const frameId = (raw) => raw.slice(7, raw.indexOf('"', 7));

/** { userId, typing } of a TypingChanged frame; null for another event or an error. */
export function typingOf(raw) {
  const t = raw.indexOf(TYPING_AT);
  const u = t < 0 ? -1 : raw.indexOf(USER_AT, t);
  if (u > 0) return { userId: raw.slice(u + USER_AT.length, u + USER_AT.length + UUID_LENGTH), typing: raw.charCodeAt(t + TYPING_AT.length) === 116 };
  const event = JSON.parse(raw).payload?.data?.chatEvents;
  return event?.__typename === 'TypingChanged' ? { userId: event.user.id, typing: event.typing } : null;
}

/** { userId, online } of a presenceChanged frame; null for an error. */
export function presenceOf(raw) {
  const p = raw.indexOf(PRESENCE_AT);
  const s = p < 0 ? -1 : raw.indexOf(STATUS_AT, p);
  // ONLINE / OFFLINE: the second letter tells them apart.
  if (s > 0) return { userId: raw.slice(p + PRESENCE_AT.length, p + PRESENCE_AT.length + UUID_LENGTH), online: raw[s + STATUS_AT.length + 1] === 'N' };
  const user = JSON.parse(raw).payload?.data?.presenceChanged;
  return user ? { userId: user.id, online: user.presence.status === 'ONLINE' } : null;
}

/** Signal user id -> index, for every user of the layout. */
export function signalIndex(runId, layout) {
  const index = new Map();
  for (let i = 0; i < layout.users; i++) index.set(signalUserId(runId, i), i);
  return index;
}
