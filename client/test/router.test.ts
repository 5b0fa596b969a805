import { describe, expect, it } from 'vitest';
import { chatHref, parseRoute } from '../src/lib/router.svelte';

describe('routes', () => {
  it('reads the chat list, a chat, and a chat opened at one message', () => {
    expect(parseRoute('')).toEqual({ name: 'chats' });
    expect(parseRoute('#/')).toEqual({ name: 'chats' });
    expect(parseRoute('#/chats/c-1')).toEqual({ name: 'chat', chatId: 'c-1' });
    expect(parseRoute('#/chats/c-1/m/5')).toEqual({ name: 'chat', chatId: 'c-1', seq: 5 });
  });

  it('writes what it reads, ids encoded', () => {
    for (const [id, seq] of [['c-1', undefined], ['c-1', 5], ['a b/c', 2147483647]] as const) {
      expect(parseRoute(chatHref(id, seq))).toEqual(seq === undefined ? { name: 'chat', chatId: id } : { name: 'chat', chatId: id, seq });
    }
    expect(chatHref('c-1')).toBe('#/chats/c-1');
    expect(chatHref('c-1', 5)).toBe('#/chats/c-1/m/5');
    expect(chatHref('a b/c', 7)).toBe('#/chats/a%20b%2Fc/m/7');
  });

  it('opens the chat without a message its seq cannot name, and nothing for other paths', () => {
    expect(parseRoute('#/chats/c-1/m/0')).toEqual({ name: 'chat', chatId: 'c-1' });
    expect(parseRoute('#/chats/c-1/m/2147483648')).toEqual({ name: 'chat', chatId: 'c-1' });
    expect(parseRoute('#/chats/c-1/m/x')).toEqual({ name: 'chats' });
    expect(parseRoute('#/chats/c-1/m/')).toEqual({ name: 'chats' });
    expect(parseRoute('#/chats/c-1/other')).toEqual({ name: 'chats' });
  });
});
