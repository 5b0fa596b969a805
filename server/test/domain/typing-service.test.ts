import { describe, expect, it } from 'vitest';
import { Announcer } from '../../src/domain/announcer.js';
import { TypingService } from '../../src/domain/typing-service.js';
import { chatChannel, type ChatEvent } from '../../src/realtime/events.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { silentLogger } from '../../src/observability/log.js';

const CHATS = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
const BOB = '00000000-0000-4000-8000-0000000000b0';

async function typingWith() {
  const bus = new LocalRealtimeBus();
  const seen: string[] = [];
  for (const chatId of CHATS) {
    const sub = await bus.subscribe(chatChannel(chatId));
    void (async () => {
      for await (const event of sub as AsyncIterable<ChatEvent>) if (event.type === 'typing') seen.push(`${event.chatId.slice(-1)}:${event.typing}`);
    })();
  }
  const service = new TypingService({ assertMember: async (_viewer, chatId) => chatId }, new Announcer(bus, 1000, silentLogger));
  return { service, seen, close: () => bus.close() };
}

describe('TypingService', () => {
  it('passes on one start per user per chat per second, and a stop after a start at once', async () => {
    const { service, seen, close } = await typingWith();
    try {
      for (let i = 0; i < 5; i++) await service.set(BOB, CHATS[0], true);
      await service.set(BOB, CHATS[1], true);
      await service.set(BOB, CHATS[0], false);
      await service.set(BOB, CHATS[0], false);
      // A start again within the second: dropped (it passes once the second is over).
      await service.set(BOB, CHATS[0], true);
      expect(seen).toEqual(['a:true', 'b:true', 'a:false']);
    } finally {
      await close();
    }
  });

  it('lets a flood of start/stop flips through as one start and its stop per second', async () => {
    const { service, seen, close } = await typingWith();
    try {
      for (let i = 0; i < 50; i++) await service.set(BOB, CHATS[0], i % 2 === 0);
      expect(seen).toEqual(['a:true', 'a:false']);
    } finally {
      await close();
    }
  });

  it('keeps the one start per second across sockets: closing and reopening one does not let a start through again', async () => {
    const { service, seen, close } = await typingWith();
    try {
      for (let i = 0; i < 5; i++) {
        await service.set(BOB, CHATS[0], true);
        // The socket closes (its stop passes on) and another opens at once.
        await service.leftInstance(BOB);
      }
      expect(seen).toEqual(['a:true', 'a:false']);
    } finally {
      await close();
    }
  });

  it('stops what a user was typing here when their last socket here closes', async () => {
    const { service, seen, close } = await typingWith();
    try {
      await service.set(BOB, CHATS[0], true);
      await service.set(BOB, CHATS[1], true);
      await service.set(BOB, CHATS[1], false);
      seen.length = 0;
      await service.leftInstance(BOB);
      await service.leftInstance(BOB);
      expect(seen).toEqual(['a:false']);
    } finally {
      await close();
    }
  });
});
