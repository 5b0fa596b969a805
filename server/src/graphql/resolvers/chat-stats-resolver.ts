import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { dayOf } from '../../domain/day.js';
import { ChatStatsArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { ChatDayStats } from '../types/chat-day-stats.js';

@Resolver()
export class ChatStatsResolver {
  @Query(() => [ChatDayStats], {
    description:
      'Daily message counts of a chat you are a member of, for the UTC days from..to (both included, at most 366), oldest first. ' +
      'Only days with messages are listed. Days are filled in by the nightly summary job, so today, and days it has not run for yet, are absent.',
  })
  chatStats(@Args() { chatId, from, to }: ChatStatsArgs, @Ctx() context: Context): Promise<ChatDayStats[]> {
    // The Date scalar parses to midnight UTC; the domain works in `YYYY-MM-DD` days.
    return context.services.chatStats.forChat(requireViewer(context), chatId, dayOf(from), dayOf(to));
  }
}
