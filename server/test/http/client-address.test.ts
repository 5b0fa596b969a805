import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/http/client-address.js';

const request = (peer: string, forwardedFor?: string | string[]) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the socket peer by default, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddress(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(clientAddress(request('203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
  });

  it('behind one proxy (TRUST_PROXY=1): the address that proxy saw, not one the client wrote', () => {
    expect(clientAddress(request('10.0.0.2', '198.51.100.1'), 1)).toBe('198.51.100.1');
    expect(clientAddress(request('10.0.0.2', '6.6.6.6, 198.51.100.1'), 1)).toBe('198.51.100.1');
    expect(clientAddress(request('10.0.0.2', ['6.6.6.6', '198.51.100.1']), 1)).toBe('198.51.100.1');
    expect(clientAddress(request('10.0.0.2'), 1)).toBe('10.0.0.2');
  });

  it('behind two proxies (TRUST_PROXY=2): two entries from the right', () => {
    expect(clientAddress(request('10.0.0.2', '6.6.6.6, 198.51.100.1, 10.0.0.9'), 2)).toBe('198.51.100.1');
    // Fewer entries than proxies: the leftmost is the best there is.
    expect(clientAddress(request('10.0.0.2', '198.51.100.1'), 2)).toBe('198.51.100.1');
  });
});
