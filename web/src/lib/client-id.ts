/**
 * A fresh clientId for sendMessage. crypto.randomUUID exists only in secure
 * contexts (https, localhost); Parley may be served over plain http on a LAN.
 */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
