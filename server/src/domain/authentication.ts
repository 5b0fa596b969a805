import type { UserRepository } from '../relational/ports.js';
import type { TokenGrant, TokenService } from './tokens.js';

/** How HTTP and graphql-ws learn who sends a request: a token check that knows about revoked bot tokens. */
export interface TokenCheck {
  /** The grant of a valid `Bearer <token>`, or null. */
  grantFromAuthorization(header: unknown): Promise<TokenGrant | null>;
  /** The user id of a valid `Bearer <token>`, or null. */
  fromAuthorization(header: unknown): Promise<string | null>;
}

/**
 * A person's token is valid by its signature and expiry alone (TokenService
 * caches the verification). A bot's token lasts until its owner revokes it,
 * so each use also asks the database whether the bot still holds that token:
 * one primary-key read per HTTP request and per socket, and only for bots.
 * Asking every time rather than caching is what makes a revocation hold at
 * once on every instance, without trusting a bus message to arrive; open
 * sockets are closed by BotSessions.
 */
export class Authentication implements TokenCheck {
  constructor(
    private readonly tokens: TokenService,
    private readonly bots: Pick<UserRepository, 'botTokenIds'>,
  ) {}

  async grantFromAuthorization(header: unknown): Promise<TokenGrant | null> {
    const grant = await this.tokens.grantFromAuthorization(header);
    if (grant?.botTokenId === undefined) return grant;
    const current = (await this.bots.botTokenIds([grant.userId])).get(grant.userId);
    return current === grant.botTokenId ? grant : null;
  }

  async fromAuthorization(header: unknown): Promise<string | null> {
    return (await this.grantFromAuthorization(header))?.userId ?? null;
  }
}
