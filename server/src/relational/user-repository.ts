import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { badInput, conflict, unauthenticated } from '../domain/errors.js';
import type { User } from '../domain/models.js';
import { sql } from 'kysely';
import { UserEntity } from './entities.js';
import { toDate, type Tables } from './tables.js';
import type { RelationalOrm } from './orm.js';
import type { BotRecord, NewBot, NewUser, UserRepository } from './ports.js';
import { sqlState } from './sql-state.js';

const toUser = (row: { id: string; username: string; displayName: string; createdAt: Date; isBot: boolean }): User => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
  createdAt: row.createdAt,
  isBot: row.isBot,
});

const UNIQUE_VIOLATION = '23505';

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SqlUserRepository implements UserRepository {
  constructor(private readonly orm: RelationalOrm) {}

  async create(user: NewUser): Promise<User> {
    const em = this.orm.em.fork();
    const entity = em.create(UserEntity, { ...user, createdAt: new Date() });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('That username is taken');
      throw error;
    }
    return toUser(entity);
  }

  async createBot(bot: NewBot, maxPerOwner: number): Promise<User> {
    const createdAt = new Date();
    try {
      await this.orm.em.fork().transactional(async (em) => {
        const db = em.getKysely<Tables>();
        // The owner's row is the lock: two creations by one owner count one after the other.
        const owner = await db.selectFrom('users').select('id').where('id', '=', bot.ownerId).forUpdate().executeTakeFirst();
        if (!owner) throw unauthenticated('The account behind this token no longer exists');
        const { owned } = await db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number | string>().as('owned'))
          .where('owner_id', '=', bot.ownerId)
          .executeTakeFirstOrThrow();
        if (Number(owned) >= maxPerOwner) throw badInput(`You already own ${maxPerOwner} bots, the most one person may`);
        await db
          .insertInto('users')
          .values({
            id: bot.id,
            username: bot.username,
            display_name: bot.displayName,
            password_hash: null,
            created_at: createdAt,
            last_seen_at: null,
            is_bot: true,
            owner_id: bot.ownerId,
            bot_token_id: bot.tokenId,
          })
          .execute();
      });
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) throw conflict('That username is taken');
      throw error;
    }
    return { id: bot.id, username: bot.username, displayName: bot.displayName, createdAt, isBot: true };
  }

  async findBot(botId: string): Promise<BotRecord | null> {
    const row = await this.db()
      .selectFrom('users')
      .select(['id', 'username', 'display_name', 'created_at', 'owner_id', 'bot_token_id'])
      .where('id', '=', botId)
      .where('is_bot', '=', true)
      .executeTakeFirst();
    if (!row || row.owner_id === null) return null;
    return {
      user: { id: row.id, username: row.username, displayName: row.display_name, createdAt: toDate(row.created_at), isBot: true },
      ownerId: row.owner_id,
      tokenId: row.bot_token_id,
    };
  }

  async replaceBotToken(botId: string, tokenId: string | null): Promise<boolean> {
    // The previous value decides the answer, read and replaced in one statement.
    const row = await this.db()
      .with('previous', (db) => db.selectFrom('users').select(['id', 'bot_token_id']).where('id', '=', botId).where('is_bot', '=', true).forUpdate())
      .updateTable('users')
      .set({ bot_token_id: tokenId })
      .from('previous')
      .whereRef('users.id', '=', 'previous.id')
      .returning(sql<boolean>`previous.bot_token_id is not null`.as('had'))
      .executeTakeFirst();
    return row?.had ?? false;
  }

  async botTokenIds(botIds: readonly string[]): Promise<Map<string, string | null>> {
    if (botIds.length === 0) return new Map();
    const rows = await this.db().selectFrom('users').select(['id', 'bot_token_id']).where('id', 'in', [...botIds]).where('is_bot', '=', true).execute();
    return new Map(rows.map((r) => [r.id, r.bot_token_id]));
  }

  async findCredentials(username: string) {
    const em = this.orm.em.fork();
    const row = await em.findOne(UserEntity, { username }, { populate: ['passwordHash'] });
    return row ? { user: toUser(row), passwordHash: row.passwordHash ?? null } : null;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.orm.em.fork().find(UserEntity, { id: { $in: [...ids] } });
    return rows.map(toUser);
  }

  /** Prefix match on username or display name, case-insensitive: what a person types first. */
  async search(text: string | null, limit: number): Promise<User[]> {
    let query = this.db().selectFrom('users').select(['id', 'username', 'display_name', 'created_at', 'is_bot']);
    if (text) {
      const prefix = `${escapeLike(text.toLowerCase())}%`;
      query = query.where((eb) => eb.or([eb('username', 'like', prefix), eb(sql<string>`lower(display_name)`, 'like', prefix)]));
    }
    const rows = await query.orderBy('username').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, createdAt: toDate(r.created_at), isBot: r.is_bot }));
  }

  async recordLastSeen(seen: readonly { userId: string; at: Date }[]): Promise<void> {
    if (seen.length === 0) return;
    await sql`
      update users u set last_seen_at = greatest(coalesce(u.last_seen_at, v.at), v.at)
        from unnest(${seen.map((s) => s.userId)}::uuid[], ${seen.map((s) => s.at.toISOString())}::timestamptz[]) as v(id, at)
       where u.id = v.id`.execute(this.db());
  }

  async lastSeenVisibleTo(viewerId: string, userIds: readonly string[]): Promise<Map<string, Date | null>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db()
      .selectFrom('users as u')
      .select(['u.id', 'u.last_seen_at'])
      .where('u.id', 'in', [...userIds])
      .where((eb) =>
        eb.or([
          eb('u.id', '=', viewerId),
          eb.exists(
            eb
              .selectFrom('members as mine')
              .innerJoin('members as theirs', 'theirs.chat_id', 'mine.chat_id')
              .select(sql`1`.as('shared'))
              .where('mine.user_id', '=', viewerId)
              .whereRef('theirs.user_id', '=', 'u.id'),
          ),
        ]),
      )
      .execute();
    return new Map(rows.map((r) => [r.id, r.last_seen_at === null ? null : toDate(r.last_seen_at)]));
  }

  private db() {
    return this.orm.em.fork().getKysely<Tables>();
  }
}
