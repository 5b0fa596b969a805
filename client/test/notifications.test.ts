import type { ChatFieldsFragment } from '@parley/sdk/documents';
import { describe, expect, it, vi } from 'vitest';
import { badgedFavicon, showFaviconCount } from '../src/lib/favicon';
import { NOTIFICATIONS_KEY, Notifier, isNotifiable, type NotifierEnvironment } from '../src/lib/notifications';

const now = new Date().toISOString();
const ada = { id: 'ada', username: 'ada', displayName: 'Ada', createdAt: now };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: now };

function chat(lastSeq: number, overrides: Partial<ChatFieldsFragment> = {}, message: Record<string, unknown> = {}): ChatFieldsFragment {
  return {
    id: 'c1',
    kind: 'DIRECT',
    title: null,
    lastSeq,
    lastReadSeq: 0,
    unreadCount: 1,
    members: [ada, bob],
    lastMessage: { id: `m${lastSeq}`, chatId: 'c1', seq: lastSeq, kind: 'TEXT', body: `message ${lastSeq}`, createdAt: now, deletedAt: null, sender: bob, ...message },
    ...overrides,
  } as unknown as ChatFieldsFragment;
}

function fakeBrowser(permission: NotificationPermission = 'default', answer: NotificationPermission = 'granted') {
  const shown: { title: string; options?: NotificationOptions; instance: { onclick: (() => void) | null; close: () => void } }[] = [];
  const api = {
    permission,
    requestPermission: vi.fn(async () => {
      api.permission = answer;
      return answer;
    }),
  };
  const Notification = Object.assign(
    function (this: { onclick: null; close: () => void }, title: string, options?: NotificationOptions) {
      this.onclick = null;
      this.close = vi.fn();
      shown.push({ title, options, instance: this });
    },
    api,
  );
  Object.defineProperty(Notification, 'permission', { get: () => api.permission });
  const store = new Map<string, string>();
  const env = {
    Notification: Notification as unknown as NotifierEnvironment['Notification'],
    storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
    focus: vi.fn(),
    open: vi.fn(),
  };
  return { env, api, shown, store };
}

describe('notifications', () => {
  it('are for new messages from others in a chat that is not open, or any chat while the tab is hidden', () => {
    expect(isNotifiable(chat(1), chat(2), 'ada', null, false)).toBe(true);
    expect(isNotifiable(undefined, chat(1), 'ada', null, false)).toBe(true);
    expect(isNotifiable(chat(1), chat(2), 'ada', 'c1', false)).toBe(false);
    expect(isNotifiable(chat(1), chat(2), 'ada', 'c1', true)).toBe(true);
    expect(isNotifiable(chat(1), chat(2), 'ada', 'other', false)).toBe(true);
  });

  it('stay quiet for own messages, system messages, read ones, and updates without a new message', () => {
    expect(isNotifiable(chat(1), chat(2, {}, { sender: ada }), 'ada', null, false)).toBe(false);
    expect(isNotifiable(chat(1), chat(2, {}, { kind: 'MEMBER_JOINED' }), 'ada', null, false)).toBe(false);
    expect(isNotifiable(chat(1), chat(2, { unreadCount: 0 }), 'ada', null, false)).toBe(false);
    expect(isNotifiable(chat(2), chat(2, { title: 'renamed' }), 'ada', null, false)).toBe(false);
    expect(isNotifiable(chat(0, { lastMessage: null }), chat(0, { lastMessage: null }), 'ada', null, false)).toBe(false);
  });

  it('ask the browser only when turned on, remember the choice, and stay off when refused', async () => {
    const { env, api, store } = fakeBrowser();
    const notifier = new Notifier(env);
    expect(notifier.permission).toBe('default');
    expect(notifier.enabled).toBe(false);
    expect(api.requestPermission).not.toHaveBeenCalled();
    expect(await notifier.enable()).toBe('granted');
    expect(api.requestPermission).toHaveBeenCalledTimes(1);
    expect(store.get(NOTIFICATIONS_KEY)).toBe('on');
    expect(notifier.enabled).toBe(true);
    notifier.disable();
    expect(store.get(NOTIFICATIONS_KEY)).toBe('off');
    expect(notifier.enabled).toBe(false);
    // Granted already: turning on again does not ask again.
    await notifier.enable();
    expect(api.requestPermission).toHaveBeenCalledTimes(1);

    const refused = fakeBrowser('default', 'denied');
    const no = new Notifier(refused.env);
    expect(await no.enable()).toBe('denied');
    expect(no.enabled).toBe(false);
    expect(refused.store.get(NOTIFICATIONS_KEY)).toBeUndefined();

    expect(new Notifier({ focus: vi.fn(), open: vi.fn() }).permission).toBe('unsupported');
  });

  it('show the sender and text, one per chat, and a click focuses the window and opens the chat', async () => {
    const { env, shown } = fakeBrowser('granted');
    const notifier = new Notifier(env);
    expect(notifier.chatUpdated(chat(1), chat(2), 'ada', null, false)).toBeNull(); // not turned on
    await notifier.enable();
    notifier.chatUpdated(chat(1), chat(2), 'ada', 'c1', false); // open and visible
    expect(shown).toHaveLength(0);
    notifier.chatUpdated(chat(1), chat(2, { kind: 'GROUP', title: 'Team' }, { body: 'x'.repeat(500) }), 'ada', null, false);
    expect(shown).toHaveLength(1);
    expect(shown[0].title).toBe('Bob in Team');
    expect(shown[0].options).toEqual({ body: `${'x'.repeat(139)}…`, tag: 'c1' });
    shown[0].instance.onclick!();
    expect(env.focus).toHaveBeenCalled();
    expect(env.open).toHaveBeenCalledWith('c1');
    expect(shown[0].instance.close).toHaveBeenCalled();
  });
});

describe('favicon badge', () => {
  const decode = (url: string) => decodeURIComponent(url.slice('data:image/svg+xml,'.length));
  it('draws the count on the icon, 99+ beyond 99, and nothing for none', () => {
    expect(badgedFavicon(0)).toBeNull();
    const one = badgedFavicon(3, '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')!;
    expect(one.startsWith('data:image/svg+xml,')).toBe(true);
    expect(decode(one)).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"><rect\/><circle .*>3<\/text><\/svg>$/);
    expect(decode(badgedFavicon(250)!)).toContain('>99+</text>');
  });

  it('sets the page icon, and the plain one back at zero', () => {
    document.head.innerHTML = '<link rel="icon" href="/assets/favicon.svg">';
    showFaviconCount(2, '/assets/favicon.svg');
    expect(decode(document.querySelector('link[rel="icon"]')!.getAttribute('href')!)).toContain('>2</text>');
    showFaviconCount(0, '/assets/favicon.svg');
    expect(document.querySelector('link[rel="icon"]')!.getAttribute('href')).toBe('/assets/favicon.svg');
  });
});
