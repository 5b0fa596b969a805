import { Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { Presence as PresenceModel } from '../../domain/models.js';
import type { PresenceUpdate } from '../../domain/presence-feed.js';
import { requireViewer, type Context } from '../context.js';
import { ViewerDependent } from '../execution-sharing.js';
import { Presence } from '../types/presence.js';
import { User } from '../types/user.js';

/** A user as presenceChanged yields it: with the presence the change carried, read from nowhere else. */
type UserWithPresence = User & { presence?: PresenceModel };

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => Presence, {
    description: 'Online or offline, and when last seen: visible to people who share a chat with the user (and to the user); OFFLINE with a null lastSeenAt to others.',
  })
  @ViewerDependent()
  presence(@Root() user: UserWithPresence, @Ctx() context: Context): PresenceModel | Promise<PresenceModel> {
    return user.presence ?? context.loaders.presence.load(user.id);
  }

  @Subscription(() => User, {
    description:
      'Your contacts (people sharing a chat with you) as they come online and go offline, each with its new presence. ' +
      'Only changes: read presence with your chats’ members first. A reconnect within a few seconds is no change.',
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return ctx.services.presence.watch(requireViewer(ctx));
    },
  })
  async presenceChanged(@Root() update: PresenceUpdate, @Ctx() context: Context): Promise<UserWithPresence> {
    const user = await context.loaders.user.load(update.userId);
    if (!user) throw new Error(`user ${update.userId} is missing`);
    return { ...user, presence: update.online ? { status: 'ONLINE', lastSeenAt: null } : { status: 'OFFLINE', lastSeenAt: update.at } };
  }
}
