import { subscriptionExchange, type Client, type Exchange, type ExecutionResult, type Operation } from '@urql/core';
import type { DocumentNode } from 'graphql';
import { map, pipe } from 'wonka';
import { operationOf } from './documents.js';
import { ParleyError, toParleyError } from './errors.js';
import { ChatDocument } from './generated/graphql.js';
import { ParleySocket } from './socket.js';
import {
  chatEventStream,
  chatUpdateStream,
  messageStream,
  presenceStream,
  type ReconnectOptions,
} from './subscriptions.js';
import type { Contact, RetryEvent } from './types.js';

export interface ParleyExchangeOptions {
  /** The WebSocket endpoint, e.g. `wss://chat.example/graphql`. */
  url: string;
  /** Read at every connection; a refused one ends the subscriptions with UNAUTHENTICATED. */
  token: () => string | null;
  /** A WebSocket constructor, where there is no global one. */
  webSocketImpl?: unknown;
  /** How subscriptions reconnect. Default: 0.5 s doubling to 15 s, without end. */
  reconnect?: Partial<ReconnectOptions>;
  /** Ping interval of the socket; a missing pong drops it. Default 15 s; 0 turns it off. */
  keepAliveMs?: number;
  /** Told before every automatic resubscribe. */
  onRetry?: (event: RetryEvent) => void;
  /** Told when the socket is connected (acknowledged). */
  onConnected?: () => void;
  /** Told when the socket closes or could not open, with the close event or error. */
  onClosed?: (event: unknown) => void;
}

/**
 * What an operation's context may carry for the stream behind it (pass it as
 * the third argument of `client.subscription`):
 * - `onReconnect` (chatUpdated): called after every resubscribe, since
 *   chatUpdated cannot replay what it missed: read the chats again.
 * - `resync` (presenceChanged): reads the presence shown, after every
 *   (re)subscribe; its answer is handed out before the changes that follow.
 */
export interface ParleyOperationContext {
  onReconnect?: () => void;
  resync?: () => Promise<readonly Contact[]>;
}

export interface ParleyExchange {
  /** Put it before `fetchExchange`: it takes every subscription, and lets queries and mutations through. */
  exchange: Exchange;
  /** Ends every subscription and closes the socket (sign-out). */
  dispose(): Promise<void>;
}

/**
 * The SDK's resumable subscriptions as an urql exchange, so an app built on
 * urql (the web client) gets the same resume as `createParleyClient` with no
 * second copy: `chatEvents` and `messageAdded` resubscribe from the last
 * cursor / seq received after any drop, server restart or UNAVAILABLE end;
 * `chatUpdated` and `presenceChanged` resubscribe and call the operation's
 * `onReconnect` / `resync`. A failure that retrying cannot help (FORBIDDEN,
 * NOT_FOUND, UNAUTHENTICATED…) ends the subscription with one result whose
 * error carries the code in `graphQLErrors[0].extensions.code`.
 */
export function parleyExchange(options: ParleyExchangeOptions): ParleyExchange {
  const socket = new ParleySocket({
    url: options.url,
    token: options.token,
    webSocketImpl: options.webSocketImpl,
    keepAliveMs: options.keepAliveMs ?? 15_000,
    onConnected: options.onConnected,
    onClosed: options.onClosed,
  });
  const reconnect: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 15_000, attempts: Infinity, ...options.reconnect };
  const deps = { socket, reconnect, onRetry: options.onRetry };

  const streamFor = (operation: Operation, client: Client): AsyncIterableIterator<unknown> => {
    const document = operation.query as DocumentNode;
    const variables = (operation.variables ?? {}) as Record<string, unknown>;
    const context = operation.context as Operation['context'] & ParleyOperationContext;
    const chatId = String(variables.chatId ?? '');
    switch (rootField(document)) {
      case 'chatEvents':
        return chatEventStream(
          {
            ...deps,
            eventCursorOf: async (id) => {
              const chat = await chatOf(client, id);
              if (!chat) throw new ParleyError('NOT_FOUND', 'Chat not found');
              return chat.eventCursor;
            },
          },
          chatId,
          { after: (variables.after as string | null | undefined) ?? undefined },
          document,
        );
      case 'messageAdded':
        return messageStream(
          {
            ...deps,
            lastSeqOf: async (id) => (await chatOf(client, id))?.lastSeq ?? 0,
          },
          chatId,
          { afterSeq: (variables.afterSeq as number | null | undefined) ?? undefined },
          document,
        );
      case 'chatUpdated':
        return chatUpdateStream(deps, { onReconnect: context.onReconnect }, document);
      case 'presenceChanged':
        return presenceStream(deps, { resync: context.resync }, document);
      default:
        throw new ParleyError('BAD_USER_INPUT', `parleyExchange does not know the subscription ${rootField(document) ?? '(none)'}`);
    }
  };

  const subscriptions = (input: Parameters<Exchange>[0]) =>
    subscriptionExchange({
      forwardSubscription: (_request, operation) => ({
        subscribe(sink) {
          let stream: AsyncIterableIterator<unknown> & { close?: () => void };
          try {
            stream = streamFor(operation, input.client);
          } catch (error) {
            sink.next(errorResult(error));
            sink.complete();
            return { unsubscribe: () => undefined };
          }
          const field = rootField(operation.query as DocumentNode)!;
          void (async () => {
            try {
              for await (const item of stream) sink.next({ data: { [field]: item } });
            } catch (error) {
              sink.next(errorResult(error));
            }
            sink.complete();
          })();
          return { unsubscribe: () => stream.close?.() };
        },
      }),
    })(input);

  // urql merges each subscription result into the one before, so the error that ends a stream would come with the
  // previous event's data, which every consumer would have to know to ignore: an ending error carries no data.
  const exchange: Exchange = (input) => (operations) =>
    pipe(
      subscriptions(input)(operations),
      map((result) => (result.error && result.operation.kind === 'subscription' ? { ...result, data: undefined } : result)),
    );

  return { exchange, dispose: () => socket.dispose() };
}

/** Where a stream without a starting point starts: the chat as it is now, read through the app's own client. */
async function chatOf(client: Client, id: string) {
  const result = await client.query(ChatDocument, { id }, { requestPolicy: 'network-only' }).toPromise();
  if (result.error) throw toParleyError(result.error.networkError ?? result.error.graphQLErrors);
  return result.data?.chat ?? null;
}

/** The one root field of a subscription (GraphQL allows only one). */
const rootField = (document: DocumentNode): string | undefined => operationOf(document).rootField;

/** A failure as a GraphQL error result, so urql's CombinedError carries the stable code. */
function errorResult(error: unknown): ExecutionResult {
  const failure = toParleyError(error);
  return { errors: [{ message: failure.message, extensions: { code: failure.code } }] } as unknown as ExecutionResult;
}
