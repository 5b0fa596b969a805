import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { getOperationAST } from 'graphql';
import { createClient } from 'graphql-ws';

function isSubscription(documentAST, operationName) {
  if (!documentAST) return false;
  try {
    return getOperationAST(documentAST, operationName || undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/**
 * The headers editor's contents as graphql-ws connection params. Parley reads
 * `connectionParams.authorization`, so names are lower-cased: `"Authorization"`
 * works over WebSocket exactly as it does over HTTP.
 */
function connectionParamsFrom(headers) {
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

const UNAUTHORIZED = 4401;

/**
 * What GraphiQL shows when a subscription fails. graphql-ws reports a closed
 * socket as its CloseEvent; it becomes a plain `{ message }` (an Error would be
 * shown with its stack). GraphQL errors (an array) pass through as they are.
 */
function describe(error) {
  if (Array.isArray(error)) return error;
  if (error instanceof Error) return { message: error.message };
  if (error && typeof error === 'object' && 'code' in error) {
    const closed = `The WebSocket closed with code ${error.code}${error.reason ? ` (${error.reason})` : ''}.`;
    if (error.code === UNAUTHORIZED) {
      return {
        message: `${closed} Subscriptions need a signed-in user: put {"authorization": "Bearer <token>"} in the Headers tab, with the token from signup or login.`,
      };
    }
    return { message: closed };
  }
  if (error && typeof error === 'object' && 'type' in error) return { message: `WebSocket ${error.type}: could not reach the server.` };
  return { message: String(error) };
}

/**
 * One graphql-ws connection per subscription, opened with the headers of the tab
 * that started it (so changing the token and running again takes effect) and
 * closed when the subscription ends or is stopped. No automatic retry: a
 * resubscription could replay or skip messages, so a dropped socket is shown.
 */
function subscribeOverWebSocket(url, params, headers) {
  return {
    subscribe(sink) {
      const client = createClient({ url, connectionParams: connectionParamsFrom(headers), lazy: true, retryAttempts: 0 });
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        void client.dispose();
      };
      const unsubscribe = client.subscribe(params, {
        next: (result) => sink.next(result),
        error: (error) => {
          close();
          sink.error(describe(error));
        },
        complete: () => {
          close();
          sink.complete();
        },
      });
      return {
        unsubscribe() {
          unsubscribe();
          close();
        },
      };
    },
  };
}

/**
 * GraphiQL's fetcher for Parley: queries and mutations POST to `url` with the
 * headers editor's headers; subscriptions go over graphql-ws to `wsUrl` with those
 * headers as connection params.
 */
export function createParleyFetcher({ url, wsUrl }) {
  const http = createGraphiQLFetcher({ url, enableIncrementalDelivery: false });
  return (params, options) => {
    if (isSubscription(options?.documentAST, params.operationName)) {
      return subscribeOverWebSocket(wsUrl, params, options?.headers);
    }
    return http(params, options);
  };
}
