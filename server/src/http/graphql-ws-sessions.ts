import { execute, getOperationAST, GraphQLError } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import type { Context } from '../graphql/context.js';
import type { EdgeConfig } from '../config/config.js';
import type { TokenCheck } from '../domain/authentication.js';
import { requestError } from '../graphql/format-error.js';
import type { RequestPipeline } from '../graphql/request-pipeline.js';
import { subscribeWithSharing } from '../graphql/execution-sharing.js';
import { restamped } from '../observability/delivery-stamps.js';
import type { SubscriptionMeter } from '../observability/meters.js';
import type { Extra as SocketExtra } from './graphql-ws-transport.js';
import type { Logger } from '../observability/log.js';
import { operationLogName } from '../observability/operation-log-name.js';
import { SocketOperations } from './socket-operations.js';

/**
 * Sockets of one user held open on this instance, above which a new one is
 * refused with 1013 (Try Again Later). graphql-ws's client retries 1013 with
 * its backoff (it treats 4xxx protocol codes and most 1xxx codes as fatal),
 * and the condition is temporary: a slot frees as soon as one of the user's
 * other tabs or clients closes.
 */
export const TOO_MANY_SOCKETS = 1013;

/** 1013 again: the client retries with backoff, which is right for any temporary refusal. */
const TRY_AGAIN_LATER = 1013;

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); tokens live longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type SessionExtra = SocketExtra & {
  viewerId?: string;
  /** Closes the socket when its token expires. */
  expiry?: { cancel(): void };
  /** A bot's socket: stops following its token's revocation. */
  untrackBot?: () => void;
  /** What really executes on this socket: the per-socket cap counts these. */
  operations?: SocketOperations;
  /** Subscriptions opened on this socket and not yet ended, by id: for their log lines. */
  subscriptionLabels?: Map<string, string>;
};

export interface SessionDeps {
  pipeline: RequestPipeline;
  /** Authentications, and subscriptions opened and ended (debug: one pair per subscription). */
  logger: Logger;
  tokens: TokenCheck;
  limits: Pick<EdgeConfig, 'maxSubscriptionsPerSocket' | 'maxSocketsPerUser' | 'connectionInitWaitMs'>;
  /** Told of a bot's authenticated socket, to close it when its token is revoked; returns the function that forgets it. */
  onBotSocket?(botId: string, tokenId: string, close: () => void): () => void;
  /** Told when this instance holds a user's first authenticated socket. */
  onUserArrived?(userId: string): void;
  /** Told when a user's last authenticated socket on this instance closes. */
  onUserGone?(userId: string): void;
  /** Counts the subscriptions executing here. */
  subscriptions?: SubscriptionMeter;
}

/** Runs `action` at epoch ms `when`, however far off, in steps setTimeout can take. */
function at(when: number, action: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = when - Date.now();
    if (left <= 0) return action();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

/**
 * The graphql-ws side of Parley: who is on each socket and what it may do.
 * A socket authenticates once, at connection_init, and is closed with 4401
 * when that token expires; a user holds at most `maxSocketsPerUser` sockets
 * here and a socket at most `maxSubscriptionsPerSocket` operations at a time.
 * Every operation goes through the shared request pipeline.
 */
export function graphqlWsSessions({ pipeline, logger, tokens, limits, onBotSocket, onUserArrived, onUserGone, subscriptions }: SessionDeps): ServerOptions<Record<string, unknown>, SessionExtra> {
  const socketsPerUser = new Map<string, number>();

  const release = (extra: SessionExtra) => {
    extra.expiry?.cancel();
    extra.untrackBot?.();
    extra.untrackBot = undefined;
    const userId = extra.viewerId;
    if (userId === undefined) return;
    extra.viewerId = undefined;
    const left = (socketsPerUser.get(userId) ?? 1) - 1;
    if (left > 0) socketsPerUser.set(userId, left);
    else {
      socketsPerUser.delete(userId);
      onUserGone?.(userId);
    }
  };

  return {
    schema: pipeline.schema,
    // Then closed with 4408 (graphql-ws's default wait is 3 s).
    connectionInitWaitTimeout: limits.connectionInitWaitMs,

    onConnect: async (ctx) => {
      const { socket } = ctx.extra;
      let grant: Awaited<ReturnType<TokenCheck['grantFromAuthorization']>>;
      try {
        grant = await tokens.grantFromAuthorization(ctx.connectionParams?.authorization);
      } catch {
        // A bot token could not be checked (the database is down): no verdict on the token, so try again later.
        socket.close(TRY_AGAIN_LATER, 'Cannot check the token right now; try again');
        return false;
      }
      if (!grant) {
        socket.close(CloseCode.Unauthorized, 'Unauthorized');
        return false;
      }
      // The client may have gone while the token was checked: then there is nothing to count.
      if (socket.readyState !== socket.OPEN) return false;
      const open = socketsPerUser.get(grant.userId) ?? 0;
      if (open >= limits.maxSocketsPerUser) {
        ctx.extra.log.userId = grant.userId;
        socket.close(TOO_MANY_SOCKETS, `Too many connections for this user: at most ${limits.maxSocketsPerUser}`);
        return false;
      }
      socketsPerUser.set(grant.userId, open + 1);
      if (open === 0) onUserArrived?.(grant.userId);
      ctx.extra.viewerId = grant.userId;
      ctx.extra.log.userId = grant.userId;
      logger.info({ ...ctx.extra.log, bot: grant.botTokenId !== undefined }, 'websocket authenticated');
      // A bot's token does not expire: it ends when revoked, which BotSessions watches for.
      if (Number.isFinite(grant.expiresAt)) ctx.extra.expiry = at(grant.expiresAt, () => socket.close(CloseCode.Unauthorized, 'Token expired'));
      if (grant.botTokenId !== undefined) {
        ctx.extra.untrackBot = onBotSocket?.(grant.userId, grant.botTokenId, () => socket.close(CloseCode.Unauthorized, 'Token revoked'));
      }
      return true;
    },

    onClose: async (ctx) => {
      release(ctx.extra);
      await ctx.extra.operations?.close();
    },

    onSubscribe: (ctx, id, payload) => {
      const operations = (ctx.extra.operations ??= new SocketOperations(subscriptions));
      // An id whose execution still runs is in use, whatever graphql-ws's map says (graphql-ws's own code and words).
      if (operations.has(id)) {
        ctx.extra.socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
        return [requestError('BAD_REQUEST', `Subscriber for ${id} already exists`)];
      }
      if (operations.size >= limits.maxSubscriptionsPerSocket) {
        return [requestError('BAD_USER_INPUT', `Too many operations on one socket: at most ${limits.maxSubscriptionsPerSocket} at a time`)];
      }
      const prepared = pipeline.prepare(payload, 'graphql-ws');
      if (!('document' in prepared)) return prepared;
      operations.start(id);
      const operation = getOperationAST(prepared.document, prepared.operationName);
      if (operation?.operation === 'subscription') {
        const label = operationLogName(operation);
        (ctx.extra.subscriptionLabels ??= new Map()).set(id, label);
        logger.debug({ ...ctx.extra.log, id, operation: label }, 'subscription opened');
      }
      return prepared;
    },
    // Whoever ended it: the client's complete, the stream's end or error, or the socket's close.
    onComplete: (ctx, id) => {
      const label = ctx.extra.subscriptionLabels?.get(id);
      if (label === undefined) return;
      ctx.extra.subscriptionLabels!.delete(id);
      logger.debug({ ...ctx.extra.log, id, operation: label }, 'subscription ended');
    },
    // Called with what the execution returned (before graphql-ws delivers it): where an operation's count ends or its stream is tracked.
    onOperation: (ctx, id, _payload, _args, result) => ctx.extra.operations?.settled(id, result),
    subscribe: subscribeWithSharing,
    // Queries and mutations only (subscriptions go through `subscribe`): each holds one of the viewer's slots while it runs.
    execute: async (args) => {
      const slot = pipeline.operationSlot((args.contextValue as Context).viewerId);
      if (slot instanceof GraphQLError) return { errors: [slot] };
      try {
        return await execute(args);
      } finally {
        slot();
      }
    },
    context: (ctx) => pipeline.createContext(ctx.extra.viewerId ?? null, ctx.extra.address),
    // A result with errors becomes a new object here: it keeps its delivery stamp (delivery-stamps.ts).
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? restamped(result, { ...result, errors: result.errors.map((e) => pipeline.formatError(e.toJSON(), e)) }) : result,
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => pipeline.formatError(e.toJSON(), e)),
  };
}
