import type { DailyStatsRepository } from '../relational/ports.js';
import type { ChatService } from './chat-service.js';
import { DAY_MAX, DAY_MIN, daysInclusive, inDayRange, type Day } from './day.js';
import { badInput } from './errors.js';
import { LIMITS } from './limits.js';
import type { ChatDayStats } from './models.js';

/** Reads what the daily summary job recorded; members only, like the chat itself. */
export class ChatStatsService {
  constructor(
    private readonly chats: ChatService,
    private readonly dailyStats: DailyStatsRepository,
  ) {}

  /** Days of `from..to` (both included) on which the chat had messages, oldest first. */
  async forChat(viewerId: string, rawChatId: string, from: Day, to: Day): Promise<ChatDayStats[]> {
    if (!inDayRange(from) || !inDayRange(to)) throw badInput(`from and to must be days from ${DAY_MIN} to ${DAY_MAX}`);
    const days = daysInclusive(from, to);
    if (days < 1) throw badInput('from must not be after to');
    if (days > LIMITS.statsDaysMax) throw badInput(`from..to spans ${days} days; at most ${LIMITS.statsDaysMax} at a time`);
    const chat = await this.chats.requireMember(viewerId, rawChatId);
    return this.dailyStats.forChat(chat.id, from, to);
  }
}
