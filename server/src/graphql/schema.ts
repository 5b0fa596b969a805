import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AuthResolver } from './resolvers/auth-resolver.js';
import { ChatResolver } from './resolvers/chat-resolver.js';
import { ChatStatsResolver } from './resolvers/chat-stats-resolver.js';
import { MessageResolver } from './resolvers/message-resolver.js';

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

export function buildParleySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [AuthResolver, ChatResolver, MessageResolver, ChatStatsResolver],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    pubSub: unusedPubSub,
    validate: false,
  });
}

/** The SDL committed as schema.graphql: the contract the SDK and the client are generated from. */
export async function schemaSdl(): Promise<string> {
  return `${printSchema(await buildParleySchema())}\n`;
}
