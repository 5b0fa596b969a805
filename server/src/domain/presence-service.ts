import type { PresenceChange, PresenceRegistry } from '../presence/port.js';
import { presenceChannel } from '../realtime/events.js';
import type { UserRepository } from '../relational/ports.js';
import { outsideLogScope, type Logger } from '../observability/log.js';
import type { Announcer } from './announcer.js';
import type { Presence } from './models.js';
import type { PresenceFeed, PresenceUpdate } from './presence-feed.js';

export interface PresenceTiming {
  /** A user whose last socket here closed stays online this long, so a reconnect (a reload, a network switch) shows no offline/online pair. */
  graceMs: number;
  /** How often this instance beats; one that misses three beats is presumed dead and its users go offline at the next beat of another. */
  heartbeatMs: number;
}

/** How long a change waits for others to go with it: unnoticeable in presence, and it turns a burst into one batch. */
const ANNOUNCE_WINDOW_MS = 20;
/** Changes announced per batch of statements when many come at once. */
const ANNOUNCE_BATCH = 500;
/** Held users registered again at a time when the registry lost this instance: Redis and this event loop get a bounded burst. */
const RESYNC_BATCH = 500;

const OFFLINE_UNSEEN: Presence = { status: 'OFFLINE', lastSeenAt: null };

/**
 * Presence on this instance: the sockets layer says when it holds a user's
 * first socket and when it holds none; the registry (Redis, or this process)
 * says whether that changed the user's presence everywhere, and each change
 * is announced once: to the people sharing a chat with them (PresenceFeed),
 * and, going offline, as their last-seen time in the database.
 */
export class PresenceService {
  /** Users with a socket here, or within their grace after the last closed. */
  private readonly held = new Set<string>();
  /** Users whose last socket here closed: when, and the end of their grace. */
  private readonly leaving = new Map<string, { at: Date; timer: NodeJS.Timeout }>();
  /** Departures the registry could not take (Redis down): tried again at each beat. */
  private readonly failedDepartures = new Map<string, Date>();
  /** Per user, the registry calls in order: a departure never overtakes the arrival before it. */
  private readonly turns = new Map<string, Promise<void>>();
  /** An arrival the registry could not take: every held user arrives again at the next beat. */
  private resync = false;
  /** Held users are arriving again (arriveAgain): a beat meanwhile does not start another pass. */
  private resyncing = false;
  private beating: NodeJS.Timeout | undefined;
  /** Changes waiting for the end of this event-loop turn, and the announcement that takes them. */
  private unannounced: PresenceChange[] = [];
  private announcing: Promise<void> | null = null;
  private closed = false;
  /** Shutting down: sockets closing now are closed by this instance, not left by their users. */
  private draining = false;

  constructor(
    private readonly registry: PresenceRegistry,
    private readonly users: Pick<UserRepository, 'recordLastSeen' | 'lastSeenVisibleTo'>,
    private readonly chats: { chatIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> },
    private readonly announcer: Announcer,
    private readonly feed: PresenceFeed,
    private readonly timing: PresenceTiming,
    private readonly logger: Logger,
  ) {}

  /** Registers this instance (before any socket arrives) and starts beating. */
  async start(): Promise<void> {
    await this.feed.start();
    await this.beat();
    this.beating = setInterval(() => void this.beat(), this.timing.heartbeatMs);
    this.beating.unref();
  }

  /** This instance holds the user's first socket. */
  connected(userId: string): void {
    const leaving = this.leaving.get(userId);
    this.failedDepartures.delete(userId);
    if (leaving) {
      clearTimeout(leaving.timer);
      this.leaving.delete(userId);
      return;
    }
    if (this.closed || this.held.has(userId)) return;
    this.held.add(userId);
    this.inTurn(userId, async () => {
      try {
        await this.announce(await this.registry.arrive(userId, new Date()));
      } catch (error) {
        this.resync = true;
        this.warn('presence: arrival not recorded; retried at the next beat', error);
      }
    });
  }

  /**
   * This instance is about to close every socket it holds (before close()):
   * the users of those sockets did not leave, so close() hands them to the
   * registry with the grace to reconnect elsewhere (a rolling restart shows
   * no offline/online pair) instead of taking each offline at once.
   */
  drain(): void {
    this.draining = true;
  }

  /** This instance's last socket of the user closed: offline after the grace unless one opens again. */
  disconnected(userId: string): void {
    if (this.draining || !this.held.has(userId) || this.leaving.has(userId)) return;
    const at = new Date();
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      this.held.delete(userId);
      this.depart(userId, at);
    }, this.timing.graceMs);
    timer.unref();
    this.leaving.set(userId, { at, timer });
  }

  /** Each user's presence as the viewer may see it: people sharing no chat with the viewer are OFFLINE and never seen. */
  async presenceOf(viewerId: string | null, userIds: readonly string[]): Promise<Map<string, Presence>> {
    const result = new Map<string, Presence>();
    const visible = viewerId ? await this.users.lastSeenVisibleTo(viewerId, userIds) : new Map<string, Date | null>();
    const online = await this.registry.online([...visible.keys()]);
    for (const id of userIds) {
      if (!visible.has(id)) result.set(id, OFFLINE_UNSEEN);
      else result.set(id, online.has(id) ? { status: 'ONLINE', lastSeenAt: null } : { status: 'OFFLINE', lastSeenAt: visible.get(id) ?? null });
    }
    return result;
  }

  /** The viewer's contacts coming and going, from now on. */
  watch(viewerId: string): Promise<AsyncIterable<PresenceUpdate>> {
    return this.feed.watch(viewerId);
  }

  /**
   * This instance is going. Users whose last socket here already closed go
   * offline now; with Redis, the others go offline at another instance's beat
   * once the grace has passed, unless they reconnected elsewhere by then
   * (a rolling restart shows no offline/online pair); embedded, they go now.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    clearInterval(this.beating);
    await Promise.all(this.turns.values());
    await this.announcing?.catch(() => undefined);
    const departing = new Map([...this.leaving].map(([userId, { at, timer }]) => (clearTimeout(timer), [userId, at] as const)));
    for (const [userId, at] of this.failedDepartures) departing.set(userId, at);
    this.leaving.clear();
    const changes: PresenceChange[] = [];
    try {
      for (const [userId, at] of departing) {
        const change = await this.registry.depart(userId, at);
        if (change) changes.push(change);
      }
      const staying = [...this.held].filter((userId) => !departing.has(userId));
      changes.push(...(await this.registry.leave(staying, this.timing.graceMs, new Date())));
    } catch (error) {
      this.warn('presence: leaving not recorded; this instance’s users go offline when its beats stop counting', error);
    }
    // In batches: an instance holding thousands of users does not leave with a few queries each.
    try {
      await this.announceAll(changes);
    } catch (error) {
      this.warn('presence: leaving not recorded; this instance’s users go offline when its beats stop counting', error);
    }
    this.feed.close();
  }

  private depart(userId: string, at: Date): void {
    this.inTurn(userId, async () => {
      try {
        await this.announce(await this.registry.depart(userId, at));
        this.failedDepartures.delete(userId);
      } catch (error) {
        this.failedDepartures.set(userId, at);
        this.warn('presence: departure not recorded; retried at the next beat', error);
      }
    });
  }

  /**
   * Registers every held user again, after the registry lost this instance
   * (Redis restarted empty, or this instance missed its beats and was swept)
   * or an earlier attempt failed. Users within their grace too: they are
   * online until it ends, and only a registry that holds them can take them
   * offline then. In batches, each waited for, with one line for the whole
   * pass: 16,000 held users re-arriving at once timed their own commands out,
   * which failed the next beat, which started it all again, with a warning
   * and its stack for every user.
   */
  private async arriveAgain(): Promise<void> {
    this.resyncing = true;
    this.resync = false;
    const now = new Date();
    const users = [...this.held];
    let failed = 0;
    let lastError: unknown;
    try {
      for (let i = 0; i < users.length && !this.closed; i += RESYNC_BATCH) {
        await Promise.all(
          users.slice(i, i + RESYNC_BATCH).map((userId) =>
            this.inTurn(userId, async () => {
              if (!this.held.has(userId)) return;
              try {
                await this.announce(await this.registry.arrive(userId, now));
              } catch (error) {
                failed++;
                lastError = error;
              }
            }),
          ),
        );
      }
    } finally {
      this.resyncing = false;
    }
    if (failed > 0) {
      this.resync = true;
      this.warn(`presence: ${failed} of ${users.length} arrivals not recorded; retried at the next beat`, lastError);
    }
  }

  private inTurn(userId: string, step: () => Promise<void>): Promise<void> {
    // Each step handles its own failures; this catch only keeps a bug from becoming an unhandled rejection.
    const turn = (this.turns.get(userId) ?? Promise.resolve()).then(step).catch((error: unknown) => this.warn('presence: change not announced', error));
    this.turns.set(userId, turn);
    void turn.finally(() => {
      if (this.turns.get(userId) === turn) this.turns.delete(userId);
    });
    return turn;
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      const { changes, lost } = await this.registry.beat(this.timing.heartbeatMs * 3);
      await this.announceAll(changes);
      if (lost || this.resync) {
        // Lost again while a pass runs: the users it already registered went with it, so another pass follows this one.
        if (this.resyncing) this.resync = true;
        else void this.arriveAgain();
      }
      for (const [userId, at] of [...this.failedDepartures]) if (!this.held.has(userId)) this.depart(userId, at);
    } catch (error) {
      this.warn('presence: heartbeat failed; this instance’s users may show offline until Redis answers again', error);
    }
  }

  /**
   * Tells the user's contacts; going offline also records when they were
   * last seen. Changes within a few milliseconds go together (5,000 sockets
   * closed at once go offline together when their graces end): two
   * statements for all of them, not two each.
   */
  private announce(change: PresenceChange | null): Promise<void> {
    if (!change) return Promise.resolve();
    this.unannounced.push(change);
    // Announces for every socket that closed in the window: its lines belong to none of them.
    return (this.announcing ??= outsideLogScope(() =>
      new Promise<void>((resolve) => setTimeout(resolve, ANNOUNCE_WINDOW_MS)).then(() => {
        this.announcing = null;
        return this.announceAll(this.unannounced.splice(0));
      }),
    ));
  }

  /** Per batch: one last-seen write, one read of their chats, then one publish each. */
  private async announceAll(changes: PresenceChange[]): Promise<void> {
    for (let i = 0; i < changes.length; i += ANNOUNCE_BATCH) {
      const batch = changes.slice(i, i + ANNOUNCE_BATCH);
      const offline = batch.filter((c) => !c.online).map(({ userId, at }) => ({ userId, at }));
      if (offline.length > 0) await this.users.recordLastSeen(offline);
      const chatIds = await this.chats.chatIdsOfUsers(batch.map((c) => c.userId));
      await Promise.all(batch.map((change) => this.announcer.announce(presenceChannel(), { type: 'presence' as const, ...change, chatIds: chatIds.get(change.userId) ?? [] })));
    }
  }

  private warn(message: string, error: unknown): void {
    this.logger.warn({ err: error }, message);
  }
}
