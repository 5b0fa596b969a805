import { describe, expect, it } from 'vitest';
import { PresenceFeed, type PresenceUpdate } from '../../src/domain/presence-feed.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { presenceChannel, userChannel } from '../../src/realtime/events.js';
import { silentLogger } from '../../src/observability/log.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** What a watch delivers, read in the background. */
function collect(stream: AsyncIterable<PresenceUpdate>): PresenceUpdate[] {
  const seen: PresenceUpdate[] = [];
  void (async () => {
    for await (const update of stream) seen.push(update);
  })().catch(() => undefined);
  return seen;
}

describe('PresenceFeed', () => {
  it('never tells a watcher about a chat they left while their chats were being read', async () => {
    const bus = new LocalRealtimeBus();
    // The read of the viewer's chats started before they left the group and answers after the leave was published.
    let answer!: (chatIds: string[]) => void;
    const feed = new PresenceFeed(bus, () => new Promise((resolve) => (answer = resolve)), silentLogger);
    await feed.start();
    const watching = feed.watch('viewer');
    await tick();
    await bus.publish(userChannel('viewer'), { type: 'chatLeft', chatId: 'group' });
    await tick();
    answer(['group', 'direct']);
    const seen = collect(await watching);
    await bus.publish(presenceChannel(), { type: 'presence', userId: 'stranger', online: true, at: new Date(), version: 1, chatIds: ['group'] });
    await bus.publish(presenceChannel(), { type: 'presence', userId: 'friend', online: true, at: new Date(), version: 2, chatIds: ['direct'] });
    await tick();
    expect(seen.map((u) => u.userId)).toEqual(['friend']);
    feed.close();
  });

  it('follows a chat joined while their chats were being read', async () => {
    const bus = new LocalRealtimeBus();
    let answer!: (chatIds: string[]) => void;
    const feed = new PresenceFeed(bus, () => new Promise((resolve) => (answer = resolve)), silentLogger);
    await feed.start();
    const watching = feed.watch('viewer');
    await tick();
    await bus.publish(userChannel('viewer'), { type: 'chatJoined', chatId: 'group' });
    await tick();
    answer([]);
    const seen = collect(await watching);
    await bus.publish(presenceChannel(), { type: 'presence', userId: 'member', online: true, at: new Date(), version: 1, chatIds: ['group'] });
    await tick();
    expect(seen.map((u) => u.userId)).toEqual(['member']);
    feed.close();
  });
});
