import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { conflict } from '../domain/errors.js';
import type { User } from '../domain/models.js';
import { sql } from 'kysely';
import { UserEntity } from './entities.js';
import { toDate, type Tables } from './tables.js';
import type { RelationalOrm } from './orm.js';
import type { NewUser, UserRepository } from './ports.js';

const toUser = (row: { id: string; username: string; displayName: string; createdAt: Date }): User => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
  createdAt: row.createdAt,
});

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

  async findCredentials(username: string) {
    const em = this.orm.em.fork();
    const row = await em.findOne(UserEntity, { username }, { populate: ['passwordHash'] });
    return row ? { user: toUser(row), passwordHash: row.passwordHash } : null;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.orm.em.fork().find(UserEntity, { id: { $in: [...ids] } });
    return rows.map(toUser);
  }

  /** Prefix match on username or display name, case-insensitive: what a person types first. */
  async search(text: string | null, limit: number): Promise<User[]> {
    let query = this.db().selectFrom('users').select(['id', 'username', 'display_name', 'created_at']);
    if (text) {
      const prefix = `${escapeLike(text.toLowerCase())}%`;
      query = query.where((eb) => eb.or([eb('username', 'like', prefix), eb(sql<string>`lower(display_name)`, 'like', prefix)]));
    }
    const rows = await query.orderBy('username').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, createdAt: toDate(r.created_at) }));
  }

  async recordLastSeen(userIds: readonly string[], at: Date): Promise<void> {
    if (userIds.length === 0) return;
    await this.db()
      .updateTable('users')
      .set({ last_seen_at: sql`greatest(coalesce(last_seen_at, ${at}), ${at})` })
      .where('id', 'in', [...userIds])
      .execute();
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
