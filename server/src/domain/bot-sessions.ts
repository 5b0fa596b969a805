import { RELISTEN_MS } from '../config/tuning.js';
import { botTokenChannel, type BotTokenChanged } from '../realtime/events.js';
import type { BusSubscription, RealtimeBus } from '../realtime/port.js';
import type { UserRepository } from '../relational/ports.js';
import type { Logger } from '../observability/log.js';

/** A bot's socket on this instance, and the token it authenticated with. */
interface BotSocket {
  tokenId: string;
  /** Order of tracking: a check judges only sockets tracked before it read the database. */
  seq: number;
  close(): void;
}

/**
 * The bots' sockets open on this instance, closed as soon as their token
 * stops being valid. A revocation or a new token is announced on the bus
 * (`bots.tokens`) and every instance closes the bot's sockets opened with
 * another token. The bus is best effort, so every `intervalMs` the instance
 * also asks the database, in one query for all of its bots, which token each
 * holds: a lost announcement costs at most one interval.
 */
export class BotSessions {
  private readonly byBot = new Map<string, Set<BotSocket>>();
  private listening: BusSubscription<BotTokenChanged> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private checking = false;
  private tracked = 0;

  constructor(
    private readonly bus: RealtimeBus,
    private readonly bots: Pick<UserRepository, 'botTokenIds'>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Listens on the bus and starts the periodic check; after a bus outage it listens again by itself. */
  async start(): Promise<void> {
    await this.listen();
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  private async listen(): Promise<void> {
    const subscription = await this.bus.subscribe(botTokenChannel());
    this.listening = subscription;
    void this.pump(subscription);
  }

  private async pump(subscription: BusSubscription<BotTokenChanged>): Promise<void> {
    try {
      for await (const { botId, tokenId } of subscription) this.tokenChanged(botId, tokenId);
    } catch (error) {
      this.logger.warn({ err: error }, 'bot token channel ended; revoked bot sockets close at the next check until it is back');
    }
    while (this.listening === subscription) {
      await new Promise((resolve) => setTimeout(resolve, RELISTEN_MS).unref());
      if (this.listening !== subscription) return;
      try {
        return await this.listen();
      } catch {
        // Still down: try again.
      }
    }
  }

  /** Follows a bot's socket until the returned function is called (the socket closed). */
  track(botId: string, tokenId: string, close: () => void): () => void {
    let sockets = this.byBot.get(botId);
    if (!sockets) this.byBot.set(botId, (sockets = new Set()));
    const socket: BotSocket = { tokenId, seq: this.tracked++, close };
    sockets.add(socket);
    return () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.byBot.get(botId) === sockets) this.byBot.delete(botId);
    };
  }

  /** The bot's valid token is now `tokenId` (null: none): its sockets opened with another one close. */
  tokenChanged(botId: string, tokenId: string | null, trackedBefore = Infinity): void {
    for (const socket of [...(this.byBot.get(botId) ?? [])]) {
      if (socket.tokenId !== tokenId && socket.seq < trackedBefore) socket.close();
    }
  }

  /** One pass over every bot with a socket here. */
  async check(): Promise<void> {
    const botIds = [...this.byBot.keys()];
    if (botIds.length === 0 || this.checking) return;
    this.checking = true;
    // A socket that authenticated after the read below holds a token newer than the answer may say.
    const trackedBefore = this.tracked;
    try {
      const current = await this.bots.botTokenIds(botIds);
      for (const botId of botIds) this.tokenChanged(botId, current.get(botId) ?? null, trackedBefore);
      if (this.failing) this.logger.info('bot token check works again');
      this.failing = false;
    } catch (error) {
      // Sockets carry on meanwhile (the announcement may well have arrived); one line per outage.
      if (!this.failing) this.logger.warn({ err: error }, 'bot token check failed; retrying every interval');
      this.failing = true;
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    const listening = this.listening;
    this.listening = null;
    listening?.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
