import type { IncomingMessage } from 'node:http';

/** The address a request came from, as the per-address limits see it. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
