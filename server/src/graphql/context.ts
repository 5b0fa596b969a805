import DataLoader from 'dataloader';
import type { AuthService } from '../domain/auth-service.js';
import type { ChatService } from '../domain/chat-service.js';
import { unauthenticated } from '../domain/errors.js';
import type { MessageService } from '../domain/message-service.js';
import type { Message, User } from '../domain/models.js';
import type { UserService } from '../domain/user-service.js';

export interface Services {
  auth: AuthService;
  users: UserService;
  chats: ChatService;
  messages: MessageService;
}

/** Per-operation batching: a page of chats costs one query per field, not one per chat. */
export interface Loaders {
  user: DataLoader<string, User | null>;
  chatMemberIds: DataLoader<string, string[]>;
  message: DataLoader<string, Message | null>;
}

export interface Context {
  viewerId: string | null;
  services: Services;
  loaders: Loaders;
}

export function createContext(services: Services, viewerId: string | null): Context {
  const byId = <T extends { id: string }>(ids: readonly string[], rows: Iterable<T>) => {
    const map = new Map<string, T>();
    for (const row of rows) map.set(row.id, row);
    return ids.map((id) => map.get(id) ?? null);
  };
  return {
    viewerId,
    services,
    loaders: {
      user: new DataLoader(async (ids) => byId(ids, (await services.users.byIds(ids)).values())),
      chatMemberIds: new DataLoader(async (ids) => {
        const members = await services.chats.memberIds(ids);
        return ids.map((id) => members.get(id) ?? []);
      }),
      message: new DataLoader(async (ids) => byId(ids, await services.messages.byIds(ids))),
    },
  };
}

export function requireViewer(context: Context): string {
  if (!context.viewerId) throw unauthenticated();
  return context.viewerId;
}
