import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
} from 'graphql';
import { sharedSubscriptionFields } from '../src/graphql/execution-sharing.js';
import { buildParleySchema, schemaSdl } from '../src/graphql/schema.js';

it('schema.graphql is the schema the server builds (run `npm run schema` after changing the API)', async () => {
  const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(await schemaSdl());
});

/**
 * A subscription declared @SharedExecution hands one result to every
 * subscriber; a field reachable from it whose value depends on the viewer
 * and is not marked @ViewerDependent would leak one viewer's data to the
 * others. This list makes every new reachable field a decision: add it here
 * once you have checked it is the same for every viewer, or mark it.
 */
it('every field a shared subscription can reach has been reviewed for viewer dependence', async () => {
  const schema = await buildParleySchema();
  const reachable = new Set<string>();
  const perViewer = new Set<string>();
  const walk = (type: GraphQLNamedType) => {
    if (isAbstractType(type)) for (const possible of schema.getPossibleTypes(type)) walk(possible);
    if (!isObjectType(type) && !isInterfaceType(type)) return;
    for (const field of Object.values(type.getFields())) {
      const key = `${type.name}.${field.name}`;
      if (reachable.has(key) || perViewer.has(key)) continue;
      if (field.extensions?.viewerDependent === true) {
        perViewer.add(key);
        continue;
      }
      reachable.add(key);
      walk(getNamedType(field.type));
    }
  };
  const shared = sharedSubscriptionFields(schema);
  for (const name of shared) walk(getNamedType(schema.getSubscriptionType()!.getFields()[name].type));
  expect(shared).toEqual(['messageAdded', 'chatEvents']);
  // Executed per viewer wherever they are selected.
  expect([...perViewer].sort()).toEqual(['Chat.lastReadSeq', 'Chat.unreadCount', 'User.presence']);
  expect([...reachable].sort()).toEqual([
    'Chat.createdAt',
    'Chat.eventCursor',
    'Chat.id',
    'Chat.kind',
    'Chat.lastMessage',
    'Chat.lastSeq',
    'Chat.memberCount',
    'Chat.members',
    'Chat.owner',
    'Chat.readStates',
    'Chat.title',
    'Chat.updatedAt',
    'ChatChanged.chat',
    'ChatChanged.chatId',
    'ChatChanged.cursor',
    'ChatEvent.chatId',
    'ChatEvent.cursor',
    'Message.body',
    'Message.chatId',
    'Message.clientId',
    'Message.createdAt',
    'Message.deletedAt',
    'Message.editedAt',
    'Message.id',
    'Message.kind',
    'Message.replyTo',
    'Message.sender',
    'Message.seq',
    'Message.subject',
    'MessageAdded.chatId',
    'MessageAdded.cursor',
    'MessageAdded.message',
    'MessageDeleted.chatId',
    'MessageDeleted.cursor',
    'MessageDeleted.message',
    'MessageEdited.chatId',
    'MessageEdited.cursor',
    'MessageEdited.message',
    'ReadPositionMoved.chatId',
    'ReadPositionMoved.cursor',
    'ReadPositionMoved.lastReadSeq',
    'ReadPositionMoved.user',
    'ReadState.lastReadSeq',
    'ReadState.readAt',
    'ReadState.user',
    'TypingChanged.chatId',
    'TypingChanged.cursor',
    'TypingChanged.typing',
    'TypingChanged.user',
    'User.createdAt',
    'User.displayName',
    'User.id',
    'User.isBot',
    'User.username',
  ]);
});

it('describes every type, field, argument and enum value of the API (the contract clients are generated from)', async () => {
  const schema = await buildParleySchema();
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    // graphql-js describes its own introspection types and built-in scalars.
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!type.description?.trim()) missing.push(type.name);
    if (isEnumType(type)) for (const value of type.getValues()) if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
    if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
      for (const arg of 'args' in field ? field.args : []) if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
    }
  }
  expect(missing).toEqual([]);
});
