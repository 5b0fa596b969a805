import type { ChatFieldsFragment } from '@parley/sdk/documents';
import { chatTitle } from './format';

/*
 * Opt-in desktop notifications (the Notification API) for messages in chats
 * that are not in view. Nothing is asked of the browser until the reader
 * clicks "Turn on notifications"; their choice is kept in localStorage.
 */

export const NOTIFICATIONS_KEY = 'parley.notifications';

export type NotificationPermissionState = NotificationPermission | 'unsupported';

/** What the notifier needs from the page; the browser's by default, a stub in tests. */
export interface NotifierEnvironment {
  Notification?: {
    readonly permission: NotificationPermission;
    requestPermission(): Promise<NotificationPermission>;
    new (title: string, options?: NotificationOptions): Notification;
  };
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Brings the window to the front (a notification was clicked). */
  focus(): void;
  /** Opens a chat (a notification was clicked). */
  open(chatId: string): void;
}

/**
 * Whether this `chatUpdated` event is a new message someone else sent that
 * the reader is not looking at: the chat is not the open one, or the tab is
 * hidden. Own messages, system messages and messages already read (on another
 * device) stay quiet.
 */
export function isNotifiable(
  previous: ChatFieldsFragment | undefined,
  next: ChatFieldsFragment,
  viewerId: string,
  openChatId: string | null,
  tabHidden: boolean,
): boolean {
  const message = next.lastMessage;
  if (!message || next.lastSeq <= (previous?.lastSeq ?? 0)) return false;
  if (message.kind !== 'TEXT' || message.sender.id === viewerId || message.deletedAt) return false;
  if (next.unreadCount === 0) return false;
  return next.id !== openChatId || tabHidden;
}

const PREVIEW_CHARACTERS = 140;

export class Notifier {
  constructor(private readonly env: NotifierEnvironment) {}

  /** The browser's permission, or unsupported without the API. */
  get permission(): NotificationPermissionState {
    return this.env.Notification ? this.env.Notification.permission : 'unsupported';
  }

  /** On: the reader turned them on and the browser still allows them. */
  get enabled(): boolean {
    return this.permission === 'granted' && this.env.storage?.getItem(NOTIFICATIONS_KEY) === 'on';
  }

  /** Only from a click: asks the browser when it has not been asked, and remembers a yes. */
  async enable(): Promise<NotificationPermissionState> {
    const api = this.env.Notification;
    if (!api) return 'unsupported';
    const permission = api.permission === 'default' ? await api.requestPermission() : api.permission;
    if (permission === 'granted') this.env.storage?.setItem(NOTIFICATIONS_KEY, 'on');
    return permission;
  }

  disable(): void {
    this.env.storage?.setItem(NOTIFICATIONS_KEY, 'off');
  }

  /** Shows the chat's last message when it is notifiable and notifications are on; returns what was shown. */
  chatUpdated(
    previous: ChatFieldsFragment | undefined,
    next: ChatFieldsFragment,
    viewerId: string,
    openChatId: string | null,
    tabHidden: boolean,
  ): Notification | null {
    if (!this.enabled || !isNotifiable(previous, next, viewerId, openChatId, tabHidden)) return null;
    const message = next.lastMessage!;
    const sender = message.sender.displayName;
    const title = next.kind === 'GROUP' ? `${sender} in ${chatTitle(next, viewerId)}` : sender;
    const body = message.body.length > PREVIEW_CHARACTERS ? `${message.body.slice(0, PREVIEW_CHARACTERS - 1)}…` : message.body;
    try {
      // One per chat: a newer message replaces the chat's earlier notification.
      const shown = new this.env.Notification!(title, { body, tag: next.id });
      shown.onclick = () => {
        this.env.focus();
        this.env.open(next.id);
        shown.close();
      };
      return shown;
    } catch {
      // Some browsers (Android Chrome) only show notifications through a service worker.
      return null;
    }
  }
}
