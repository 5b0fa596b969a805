import { randomInt } from 'node:crypto';
import { request } from 'node:http';
import type { GraphQLResponse, TestServer } from './server.js';

/**
 * A loopback address of the test's own: Linux routes all of 127.0.0.0/8 to
 * the loopback interface, so a request bound to one really comes from it, as
 * the server sees it. Random, so tests sharing one Redis do not share counters.
 */
export const loopbackAddress = (): string => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

/** Like TestServer.gql, but sent from `address` (a loopback address, see above). */
export function gqlFrom<T = any>(
  server: TestServer,
  address: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      server.url,
      {
        method: 'POST',
        localAddress: address,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLResponse<T>);
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
