import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from, as the per-address limits see it.
 *
 * With `trustProxy` = 0 (the default) that is the socket's peer: anything a
 * client writes in `X-Forwarded-For` is ignored, since any client can write
 * it. Behind N proxies (TRUST_PROXY=N), each proxy appends the address it
 * received the request from, so the entry N from the right end of the list
 * (the socket's peer being the last proxy) is the first address no client
 * could forge. With fewer entries than proxies, the leftmost one is the best
 * there is.
 */
export function clientAddress(req: IncomingMessage, trustProxy = 0): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  // Node joins repeated headers with ", ", so several X-Forwarded-For lines read as one list.
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (forwarded.length === 0) return peer;
  return forwarded[Math.max(0, forwarded.length - trustProxy)]!;
}
