import DataLoader from 'dataloader';
import type { AuthService } from '../domain/auth-service.js';
import type { BotService } from '../domain/bot-service.js';
import type { ChatService } from '../domain/chat-service.js';
import type { ChatStatsService } from '../domain/chat-stats-service.js';
import { unauthenticated } from '../domain/errors.js';
import type { MessageService } from '../domain/message-service.js';
import type { Message, Presence, User } from '../domain/models.js';
import type { TypingService } from '../domain/typing-service.js';
import type { PresenceService } from '../domain/presence-service.js';
import type { SearchService } from '../domain/search-service.js';
import type { UserService } from '../domain/user-service.js';

export interface Services {
  auth: AuthService;
  bots: BotService;
  users: UserService;
  chats: ChatService;
  messages: MessageService;
  chatStats: ChatStatsService;
  typing: TypingService;
  presence: PresenceService;
  search: SearchService;
}

/** Per-operation batching: a page of chats costs one query per field, not one per chat. */
export interface Loaders {
  user: DataLoader<string, User | null>;
  chatMemberIds: DataLoader<string, string[]>;
  message: DataLoader<string, Message | null>;
  /** Presence as the operation's viewer may see it. */
  presence: DataLoader<string, Presence>;
}

export interface Context {
  viewerId: string | null;
  /** The client's network address, for limits keyed by address (signup, login). */
  clientIp: string;
  services: Services;
  loaders: Loaders;
}

function createLoaders(services: Services, viewerId: string | null): Loaders {
  const byId = <T extends { id: string }>(ids: readonly string[], rows: Iterable<T>) => {
    const map = new Map<string, T>();
    for (const row of rows) map.set(row.id, row);
    return ids.map((id) => map.get(id) ?? null);
  };
  const make = {
    user: () => new DataLoader<string, User | null>(async (ids) => byId(ids, (await services.users.byIds(ids)).values())),
    chatMemberIds: () =>
      new DataLoader<string, string[]>(async (ids) => {
        const members = await services.chats.memberIds(ids);
        return ids.map((id) => members.get(id) ?? []);
      }),
    message: () => new DataLoader<string, Message | null>(async (ids) => byId(ids, await services.messages.byIds(ids))),
    presence: () =>
      new DataLoader<string, Presence>(async (ids) => {
        const presence = await services.presence.presenceOf(viewerId, ids);
        return ids.map((id) => presence.get(id)!);
      }),
  };
  // Created on first use: an idle subscription (one context each) should cost no loaders.
  const made: Partial<Loaders> = {};
  return {
    get user() {
      return (made.user ??= make.user());
    },
    get chatMemberIds() {
      return (made.chatMemberIds ??= make.chatMemberIds());
    },
    get message() {
      return (made.message ??= make.message());
    },
    get presence() {
      return (made.presence ??= make.presence());
    },
  };
}

export function createContext(services: Services, viewerId: string | null, clientIp: string): Context {
  return { viewerId, clientIp, services, loaders: createLoaders(services, viewerId) };
}

/**
 * The context one event of a subscription runs with. A graphql-ws context
 * lives as long as the subscription, and loaders cache what they read: kept
 * across events, a chat's members would stay as they were when the
 * subscription first loaded them. Each event reads afresh.
 */
export function contextForEvent<T>(context: T): T {
  if (typeof context !== 'object' || context === null || !('services' in context) || !('loaders' in context)) return context;
  const { services, viewerId } = context as unknown as Context;
  return { ...context, loaders: createLoaders(services, viewerId) };
}

export function requireViewer(context: Context): string {
  if (!context.viewerId) throw unauthenticated();
  return context.viewerId;
}
