import { Client, fetchExchange, mapExchange } from '@urql/core';
import { parleyExchange } from '@parley/sdk/exchange';
import { CloseCode } from 'graphql-ws';
import type { ConnectionState } from './connection.svelte';

/** graphql-ws close code for a missing, bad or expired token (docs/api.md: "closes the socket with code 4401"). */
const UNAUTHORIZED = CloseCode.Unauthorized;

export interface ParleyClient {
  urql: Client;
  /** Closes the socket and stops reconnecting (sign-out). */
  dispose(): void;
}

export interface ClientOptions {
  token: string;
  connection: ConnectionState;
  /** The server no longer accepts the token: the session is over. */
  onUnauthenticated(): void;
  /** Same-origin by default: the API serves this client, and Vite proxies it in development. */
  httpUrl?: string;
  wsUrl?: string;
}

/** Reconnect quickly at first, then every few seconds: a chat should come back soon after the network does. */
const RECONNECT = { initialDelayMs: 1_000, maxDelayMs: 5_000 };

/**
 * graphql-ws rejects an internal promise nobody awaits when a subscription is
 * released while its socket is still connecting and the socket then closes
 * (sign-out on a refused token does exactly that). The close itself is
 * handled in `onClosed`; only the stray rejection is silenced, nothing else.
 */
function ignoreStrayCloseRejections(): void {
  if (typeof window === 'undefined' || (window as { parleyCloseGuard?: boolean }).parleyCloseGuard) return;
  (window as { parleyCloseGuard?: boolean }).parleyCloseGuard = true;
  window.addEventListener('unhandledrejection', (event) => {
    if (typeof CloseEvent !== 'undefined' && event.reason instanceof CloseEvent) event.preventDefault();
  });
}

/**
 * Queries and mutations over HTTP, subscriptions through the SDK's exchange:
 * it resubscribes after any drop from the last cursor received, so an open
 * chat picks up exactly what it missed (edits and deletes included) with no
 * resume logic here.
 */
export function createParleyClient(options: ClientOptions): ParleyClient {
  ignoreStrayCloseRejections();
  const { token, connection, onUnauthenticated } = options;
  const httpUrl = options.httpUrl ?? '/graphql';
  const wsUrl = options.wsUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

  const subscriptions = parleyExchange({
    url: wsUrl,
    token: () => token,
    reconnect: RECONNECT,
    onConnected: () => connection.connected(),
    onClosed: (event) => {
      if (isClose(event, UNAUTHORIZED)) onUnauthenticated();
      // 1000 is graphql-ws closing an idle lazy socket or our own dispose: not a drop.
      else if (!isClose(event, 1000)) connection.dropped();
    },
  });

  const urql = new Client({
    url: httpUrl,
    // Stores in lib/ hold the state and merge live events; a document cache would only duplicate them.
    requestPolicy: 'network-only',
    // urql would GET queries, which Apollo's CSRF prevention rejects without a preflight header; POST always passes.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) onUnauthenticated();
        },
      }),
      subscriptions.exchange,
      fetchExchange,
    ],
  });

  return {
    urql,
    dispose: () => void subscriptions.dispose(),
  };
}

function isClose(event: unknown, code: number): boolean {
  return typeof event === 'object' && event !== null && (event as { code?: unknown }).code === code;
}
