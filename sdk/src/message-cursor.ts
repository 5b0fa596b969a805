/**
 * The cursor of the message at `seq` in `messages(after:|before:)`, for
 * opening a chat at a given message (the first unread, a search result)
 * without paging to it. Parley's message cursors name a seq and nothing else
 * (`m:<seq>`, base64url), so this is the cursor its edge would carry.
 * No imports: the web client takes this module alone (`@parley/sdk/message-cursor`).
 */
export function messageCursor(seq: number): string {
  return btoa(`m:${seq}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
