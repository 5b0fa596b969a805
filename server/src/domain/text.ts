import { badInput } from './errors.js';
import { charCount } from './limits.js';

/*
 * The one rule for text a client sends: message bodies, display names, group
 * titles, search and clientIds pass through here before any other work
 * (usernames and passwords use `bounded`, then rules of their own), and the
 * persister's envelope check reuses it for anything else that writes to the
 * event log.
 */

/**
 * A string longer than this many UTF-16 units per allowed character is refused
 * before it is normalised or scanned: a character is at most 2 units, and the
 * rest is room for whitespace that trimming removes and for decomposed
 * accents that NFC composes.
 */
const UNITS_PER_CHAR = 4;

/** Control characters (Unicode Cc: C0, DEL, C1) except tab and line feed: no text needs them, and PostgreSQL refuses NUL. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/** Every control character, for identifiers (clientId), which have no use for tab or newline either. */
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** Windows (CRLF) and old Mac (CR) line endings: pasted text keeps its lines, as LF. */
const LINE_ENDING = /\r\n?/g;
/** Tab and line breaks (Unicode's LINE and PARAGRAPH SEPARATOR too): a name or title is one line, so they become spaces. */
const LINE_SPACE = /\r\n|[\t\n\r\u2028\u2029]/g;
/**
 * Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI):
 * they reorder the text around them ("\u202Eevil.exe" shows as "exe.live"). A
 * name or title is laid out right without them. The marks LRM, RLM and ALM stay:
 * each acts as one invisible letter of a direction, so it can do nothing a real
 * Hebrew or Arabic letter cannot, and mixed-direction names need them.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Something a person can see on its own: not whitespace, not an invisible
 * (default-ignorable) or format character, not a mark (a combining accent
 * shows only on the letter before it; alone it is a stray accent, or
 * "Zalgo" noise over the text around the name), and not U+2800 BRAILLE
 * PATTERN BLANK, which renders as a space but is a symbol to Unicode and so
 * slips past both of the other tests.
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}\u2800]/u;

/** Refuses, before any work, a string far longer than its limit of `maxChars` characters could ever allow. */
export function bounded(raw: string, field: string, maxChars: number): void {
  if (raw.length > maxChars * UNITS_PER_CHAR) throw badInput(`${field} must be at most ${maxChars} characters`);
}

function wellFormed(text: string, field: string): void {
  // A lone surrogate is not a character: it cannot be encoded as UTF-8 and would be stored as U+FFFD.
  if (!text.isWellFormed()) throw badInput(`${field} is not well-formed Unicode text (lone surrogate)`);
}

function noControls(text: string, field: string, pattern = CONTROL): void {
  if (pattern.test(text)) throw badInput(`${field} must not contain control characters`);
}

function withinLength(text: string, field: string, min: number, max: number): void {
  const n = charCount(text);
  if (n < min || n > max) throw badInput(min > 0 ? `${field} must be ${min} to ${max} characters` : `${field} must be at most ${max} characters`);
}

/**
 * A message body: line endings become LF, NFC, trimmed, 1 to `max` characters.
 * Tab and newline are kept; bidi controls are kept too, since Arabic and Hebrew
 * text uses them and a body is shown as its own paragraph, where any
 * embedding ends.
 */
export function bodyText(raw: string, field: string, max: number): string {
  bounded(raw, field, max);
  wellFormed(raw, field);
  const text = raw.replace(LINE_ENDING, '\n');
  noControls(text, field);
  const normalized = text.normalize('NFC').trim();
  withinLength(normalized, field, 1, max);
  return normalized;
}

/**
 * How a body encrypted at rest begins (encryption/message-cipher.ts). A
 * message typed that way would read as one once a key with its id is
 * configured, and fail every page it is on: no one may send it.
 */
export const SEALED_BODY_PREFIX = 'enc:v1:';

/** A body as a person sends or edits it: bodyText, and not looking like an encrypted one. */
export function sentBody(raw: string, max: number): string {
  const body = bodyText(raw, 'body', max);
  if (body.startsWith(SEALED_BODY_PREFIX)) throw badInput(`body must not start with "${SEALED_BODY_PREFIX}": Parley marks bodies encrypted at rest with it`);
  return body;
}

/**
 * A display name or group title: one line (tab and line breaks become spaces),
 * NFC, trimmed, no bidi embeddings, overrides or isolates, and something
 * visible in it. Returns '' for text that is empty or only whitespace, for the
 * caller to decide whether that is allowed.
 */
export function nameText(raw: string, field: string, max: number): string {
  bounded(raw, field, max);
  wellFormed(raw, field);
  const text = raw.replace(LINE_SPACE, ' ');
  noControls(text, field);
  if (BIDI_CONTROL.test(text)) throw badInput(`${field} must not contain bidirectional override, embedding or isolate characters`);
  const normalized = text.normalize('NFC').trim();
  if (normalized === '') return '';
  if (!VISIBLE.test(normalized)) throw badInput(`${field} must contain a visible character`);
  withinLength(normalized, field, 1, max);
  return normalized;
}

/** Search text: one line, NFC, trimmed, at most `max` characters; null when nothing is left. */
export function searchText(raw: string, field: string, max: number): string | null {
  bounded(raw, field, max);
  wellFormed(raw, field);
  const text = raw.replace(LINE_SPACE, ' ');
  noControls(text, field);
  const normalized = text.normalize('NFC').trim();
  if (normalized === '') return null;
  withinLength(normalized, field, 1, max);
  return normalized;
}

/**
 * A client's identifier (clientId): compared byte for byte and echoed back, so
 * it is neither normalised nor trimmed; no control characters at all, and its
 * limit counts UTF-16 units, as it always has.
 */
export function identifierText(raw: string, field: string, max: number): string {
  if (raw.length < 1 || raw.length > max) throw badInput(`${field} must be 1 to ${max} characters`);
  wellFormed(raw, field);
  noControls(raw, field, ANY_CONTROL);
  return raw;
}

/** What a rule makes of text, or null when it refuses it. */
const storedAs = (rule: () => string): string | null => {
  try {
    return rule();
  } catch {
    return null;
  }
};

/** Whether text is what the API would have stored, unchanged: for the persister's check of envelopes it did not see come in. */
export const isStorableBody = (text: string, max: number): boolean => storedAs(() => bodyText(text, 'body', max)) === text;
export const isStorableIdentifier = (text: string, max: number): boolean => storedAs(() => identifierText(text, 'clientId', max)) === text;
