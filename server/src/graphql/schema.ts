import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
import { GraphQLEnumType, GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ERROR_CODES } from '../domain/errors.js';
import { AuthResolver } from './resolvers/auth-resolver.js';
import { BotResolver } from './resolvers/bot-resolver.js';
import { ChatResolver, ReadStateResolver } from './resolvers/chat-resolver.js';
import { ChatStatsResolver } from './resolvers/chat-stats-resolver.js';
import { MessageResolver } from './resolvers/message-resolver.js';
import { UserResolver } from './resolvers/user-resolver.js';
import { SearchResolver } from './resolvers/search-resolver.js';
import { ChatEventResolver, ReadPositionMovedResolver, TypingChangedResolver } from './resolvers/chat-event-resolver.js';
import { ChatChanged, MessageAdded, MessageDeleted, MessageEdited, ReadPositionMoved, TypingChanged } from './types/chat-event.js';

/**
 * Every subscription brings its own `subscribe` over the RealtimeBus port, so
 * type-graphql's topic-based PubSub is never used; it still insists on one.
 */
const unusedPubSub = {
  publish: () => {
    throw new Error('publish through the RealtimeBus port');
  },
  subscribe: () => {
    throw new Error('subscribe through the RealtimeBus port');
  },
};

/**
 * No field returns it: it is in the schema so that the error codes are part
 * of the contract clients are generated from (the SDK's `ErrorCode`).
 */
const errorCodeEnum = new GraphQLEnumType({
  name: 'ErrorCode',
  description: 'Every `extensions.code` a Parley error carries. Branch on the code, never on the message.',
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }])),
});

/**
 * type-graphql builds the root types without a description; these say what
 * holds for every field of each, so the fields need not repeat it.
 */
const ROOT_DESCRIPTIONS = {
  Query:
    'What a client reads, over HTTP POST /graphql (or GET) or graphql-ws. Every field needs a token (`Authorization: Bearer <token>`): UNAUTHENTICATED without one. ' +
    'An id that is not a valid id is BAD_USER_INPUT; a chat that does not exist is NOT_FOUND, one you are not a member of FORBIDDEN.',
  Mutation:
    'What a client changes, over HTTP POST /graphql or graphql-ws (never GET). All but signup and login need a token: UNAUTHENTICATED without one. ' +
    'Input that breaks a limit is BAD_USER_INPUT; a chat that does not exist is NOT_FOUND, one you are not a member of FORBIDDEN; UNAVAILABLE when an engine is down (retry with backoff).',
  Subscription:
    'Live streams, over graphql-ws only (WS /graphql; over HTTP they are BAD_REQUEST). Send `{ "authorization": "Bearer <token>" }` as the connection_init payload: without a valid token the socket closes with 4401. ' +
    'A stream of a chat you are not a member of, or stop being one, ends with FORBIDDEN.',
} as const;

export async function buildParleySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [AuthResolver, BotResolver, ChatResolver, ReadStateResolver, MessageResolver, ChatEventResolver, TypingChangedResolver, ReadPositionMovedResolver, ChatStatsResolver, UserResolver, SearchResolver],
    // Reached only through the ChatEvent interface.
    orphanedTypes: [MessageAdded, MessageEdited, MessageDeleted, ChatChanged, TypingChanged, ReadPositionMoved],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    pubSub: unusedPubSub,
    validate: false,
  });
  const config = schema.toConfig();
  for (const root of [config.query, config.mutation, config.subscription]) {
    if (root) root.description = ROOT_DESCRIPTIONS[root.name as keyof typeof ROOT_DESCRIPTIONS];
  }
  return new GraphQLSchema({ ...config, types: [...config.types, errorCodeEnum] });
}

/** The SDL committed as schema.graphql: the contract the SDK and the client are generated from. */
export async function schemaSdl(): Promise<string> {
  return `${printSchema(await buildParleySchema())}\n`;
}
