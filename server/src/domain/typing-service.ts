import { TYPING_USERS_REMEMBERED } from '../config/tuning.js';
import { chatChannel } from '../realtime/events.js';
import { BoundedMap } from '../support/bounded-map.js';
import type { Announcer } from './announcer.js';
import type { ChatService } from './chat-service.js';

/**
 * At most one start per user per chat per second reaches others: a start
 * within a second of the previous signal passed on is dropped (a renewal, or
 * a flood of start/stop flips), and a stop passes only after a start, at once.
 */
const THROTTLE_MS = 1000;

interface Signal {
  typing: boolean;
  at: number;
}

/**
 * Typing is a signal, not a record: it goes on the chat's channel and is
 * never stored. Each viewer's chatEvents stream shows someone typing for at
 * most the typing timeout unless renewed, and ends it at once on a stop, a
 * message from them or their leave (chat-event-stream.ts). This instance
 * remembers what its users last said, to drop repeats within a second and to
 * stop a user's typing when their last socket here closes.
 */
export class TypingService {
  /** Per user, per chat: the last signal this instance passed on. */
  private readonly last = new BoundedMap<string, Map<string, Signal>>({ max: TYPING_USERS_REMEMBERED });

  constructor(
    private readonly chats: Pick<ChatService, 'assertMember'>,
    private readonly announcer: Announcer,
  ) {}

  async set(viewerId: string, rawChatId: string, typing: boolean): Promise<boolean> {
    const chatId = await this.chats.assertMember(viewerId, rawChatId);
    const signals = this.signalsOf(viewerId);
    const previous = signals.get(chatId);
    const now = Date.now();
    const moot = typing ? previous !== undefined && now - previous.at < THROTTLE_MS : !previous?.typing;
    if (moot) return true;
    signals.set(chatId, { typing, at: now });
    await this.announcer.announce(chatChannel(chatId), { type: 'typing' as const, chatId, userId: viewerId, typing });
    return true;
  }

  /** The user's last socket on this instance closed: whatever they were typing here stops now, not at the timeout. */
  async leftInstance(userId: string): Promise<void> {
    const signals = this.last.peek(userId);
    if (!signals) return;
    const typingIn = [...signals].filter(([, signal]) => signal.typing).map(([chatId]) => chatId);
    // Each stop is a signal passed on like any other, and the user stays remembered:
    // forgetting them here let a socket reopened at once pass a start again, as often as it reconnected.
    const now = Date.now();
    for (const chatId of typingIn) signals.set(chatId, { typing: false, at: now });
    await Promise.all(typingIn.map((chatId) => this.announcer.announce(chatChannel(chatId), { type: 'typing' as const, chatId, userId, typing: false })));
  }

  /** The user's signals, made the newest (the most recently active are kept longest). */
  private signalsOf(userId: string): Map<string, Signal> {
    let signals = this.last.get(userId);
    if (!signals) this.last.set(userId, (signals = new Map()));
    return signals;
  }
}
