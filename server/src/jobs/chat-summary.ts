import { dayWindow, type Day } from '../domain/day.js';
import type { Reporting } from '../reporting/port.js';
import type { DailyStatsRepository } from '../relational/ports.js';

/** All the job touches: the report of the stored messages and where its figures go. */
export interface SummaryEngines {
  reporting: Pick<Reporting, 'activity'>;
  dailyStats: DailyStatsRepository;
}

export interface DaySummary {
  day: Day;
  /** Chats with at least one message that day. */
  chats: number;
  messages: number;
  activeUsers: number;
}

/**
 * Summarizes one UTC day [day 00:00Z, next day 00:00Z) into `chat_daily_stats`
 * and `daily_activity`, replacing whatever an earlier run wrote for it, so a
 * re-run is harmless and picks up late-stored messages. A day without messages
 * still gets its `daily_activity` row, all zeros: "quiet" stays distinguishable
 * from "not summarized yet".
 */
export async function summarizeDay(engines: SummaryEngines, day: Day): Promise<DaySummary> {
  const activity = await engines.reporting.activity(dayWindow(day));
  await engines.dailyStats.replaceDay(day, activity);
  return {
    day,
    chats: activity.chats.length,
    messages: activity.chats.reduce((sum, chat) => sum + chat.messages, 0),
    activeUsers: activity.activeUsers,
  };
}
