/**
 * A fresh clientId for sendMessage. crypto.randomUUID exists only in secure
 * contexts (https, localhost); Parley may be served over plain http on a LAN.
 * No imports: the web client takes this module alone (`@parley/sdk/client-id`).
 */
export function newClientId(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
