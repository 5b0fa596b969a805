import { botTokenChannel } from '../realtime/events.js';
import type { UserRepository } from '../relational/ports.js';
import type { Announcer } from './announcer.js';
import { normalizeUsername } from './auth-service.js';
import type { BotSessions } from './bot-sessions.js';
import { forbidden, notFound } from './errors.js';
import { newId, parseId } from './ids.js';
import { LIMITS } from './limits.js';
import type { User } from './models.js';
import { nameText } from './text.js';
import type { TokenService } from './tokens.js';

export interface BotCreated {
  user: User;
  token: string;
}

/**
 * Bots: users with `isBot`, each owned by a person, that take part through
 * the public API like anyone (same chats, same limits) but sign in only with
 * a token their owner got for them. A bot holds at most one valid token; its
 * id is stored with the bot and named in the token, so revoking is
 * forgetting the id (Authentication refuses the token from the next request
 * on, on every instance) and announcing it (BotSessions closes open sockets).
 */
export class BotService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly announcer: Announcer,
    private readonly sessions: BotSessions,
  ) {}

  /** A new bot of `ownerId` and its token; at most LIMITS.botsPerOwnerMax per owner. */
  async create(ownerId: string, rawUsername: string, rawDisplayName: string | null | undefined): Promise<BotCreated> {
    const username = normalizeUsername(rawUsername);
    // As at signup: left blank, the display name is the username as typed.
    const displayName = (rawDisplayName == null ? '' : nameText(rawDisplayName, 'displayName', LIMITS.displayNameMax)) || rawUsername.trim();
    await this.requirePerson(ownerId);
    const tokenId = newId();
    const user = await this.users.createBot({ id: newId(), username, displayName, ownerId, tokenId }, LIMITS.botsPerOwnerMax);
    return { user, token: await this.tokens.issueBot(user.id, tokenId) };
  }

  /** Revokes the bot's token, if it has one: whether it had. Issues nothing new. */
  async revokeToken(ownerId: string, rawBotId: string): Promise<boolean> {
    const botId = await this.ownedBot(ownerId, rawBotId);
    const had = await this.users.replaceBotToken(botId, null);
    await this.tokenChanged(botId, null);
    return had;
  }

  /** A new token for the bot; the one it had (if any) stops working at once, as if revoked. */
  async issueToken(ownerId: string, rawBotId: string): Promise<string> {
    const botId = await this.ownedBot(ownerId, rawBotId);
    const tokenId = newId();
    await this.users.replaceBotToken(botId, tokenId);
    await this.tokenChanged(botId, tokenId);
    return this.tokens.issueBot(botId, tokenId);
  }

  /** This instance's sockets close before the mutation answers; other instances' when the announcement reaches them. */
  private async tokenChanged(botId: string, tokenId: string | null): Promise<void> {
    this.sessions.tokenChanged(botId, tokenId);
    await this.announcer.announce(botTokenChannel(), { type: 'botToken', botId, tokenId });
  }

  /** Bots act for people; a bot that could make bots would multiply itself past its owner's bound. */
  private async requirePerson(userId: string): Promise<void> {
    if (await this.users.findBot(userId)) throw forbidden('Bots cannot own bots');
  }

  private async ownedBot(ownerId: string, rawBotId: string): Promise<string> {
    const botId = parseId(rawBotId, 'botId');
    await this.requirePerson(ownerId);
    const bot = await this.users.findBot(botId);
    if (!bot) throw notFound('No bot with that id');
    if (bot.ownerId !== ownerId) throw forbidden('That bot belongs to someone else');
    return botId;
  }
}
