/*
 * What the bench puts in a message body: the phase it belongs to, its index in
 * that phase and the sender's clock when the send was issued, padded to a
 * typical chat-line length. Subscribers read their latency straight from it.
 */
const PAD = 'the quick brown fox jumps over the lazy dog, again and again';

export const PHASE = { rate: 'r', saturate: 's', warmup: 'w', throughput: 't' };

export const bodyFor = (phase, index, sentAt) => `${phase}|${index}|${sentAt.toFixed(3)}|${PAD}`;

/** { phase, index, sentAt }, or null for a body the bench did not write (the seeded message). */
export function parseBody(body) {
  const a = body.indexOf('|');
  const b = body.indexOf('|', a + 1);
  const c = body.indexOf('|', b + 1);
  if (a !== 1 || b < 0 || c < 0) return null;
  return { phase: body[0], index: Number(body.slice(a + 1, b)), sentAt: Number(body.slice(b + 1, c)) };
}
