import { randomUUID } from 'node:crypto';

/*
 * A proxy's or client's id is kept so one request can be followed across
 * systems; anything else (too long, or characters that could forge log
 * structure or headers) is replaced, never echoed.
 */
const ACCEPTED = /^[\w.:@/+=-]{1,128}$/;

/** The id every log line of a request (or WebSocket) carries and its response echoes in `x-request-id`. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && ACCEPTED.test(given) ? given : randomUUID();
}
