import type { UserFieldsFragment } from '@parley/sdk/documents';

export interface SeenState {
  /** The message it is shown under: the viewer's newest stored message. */
  seq: number;
  /** "Seen" (direct), "Seen by 2" (group); null while nobody has read it. */
  label: string | null;
  /** Who has read it, for the names shown on hover or focus in a group. */
  readers: UserFieldsFragment[];
}

/**
 * "Seen" for the viewer's newest message: on a direct chat once the other
 * person has read up to it, in a group how many others have. Read marks only
 * move forward, so whoever read a later message read this one.
 */
export function seenState(
  ownSeqs: readonly number[],
  positions: readonly { user: UserFieldsFragment; lastReadSeq: number }[],
  kind: 'DIRECT' | 'GROUP',
): SeenState | null {
  const seq = ownSeqs.at(-1);
  if (seq === undefined) return null;
  const readers = positions.filter((p) => p.lastReadSeq >= seq).map((p) => p.user);
  if (readers.length === 0) return { seq, label: null, readers };
  return { seq, label: kind === 'DIRECT' ? 'Seen' : `Seen by ${readers.length}`, readers };
}

/** "Ada is typing…", "Ada and Bob are typing…", "Ada and 2 others are typing…". */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names[0]} and ${names.length - 1} others are typing…`;
}
