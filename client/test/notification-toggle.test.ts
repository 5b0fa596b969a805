import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import NotificationToggle from '../src/lib/components/NotificationToggle.svelte';
import { Notifier, type NotifierEnvironment } from '../src/lib/notifications';

function browserNotifications(initial: NotificationPermission) {
  const api = { permission: initial, requestPermission: vi.fn(async () => (api.permission = 'granted')) };
  const store = new Map<string, string>();
  const env: NotifierEnvironment = {
    Notification: api as unknown as NotifierEnvironment['Notification'],
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    focus: () => {},
    open: () => {},
  };
  return { api, notifier: new Notifier(env) };
}

describe('notification toggle', () => {
  it('asks only on click, then offers to turn them off', async () => {
    const { api, notifier } = browserNotifications('default');
    render(NotificationToggle, { notifier });
    expect(api.requestPermission).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Turn on notifications' }));
    expect(api.requestPermission).toHaveBeenCalledTimes(1);
    await userEvent.click(await screen.findByRole('button', { name: 'Turn off notifications' }));
    expect(screen.getByRole('button', { name: 'Turn on notifications' })).toBeTruthy();
  });

  it('says so when the browser blocks them, also when blocked in the site settings meanwhile', async () => {
    const { api, notifier } = browserNotifications('granted');
    render(NotificationToggle, { notifier });
    await userEvent.click(screen.getByRole('button', { name: 'Turn on notifications' }));
    await screen.findByText('Notifications on');
    api.permission = 'denied';
    window.dispatchEvent(new Event('focus'));
    expect(await screen.findByText(/blocked in this browser/)).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows nothing without the Notification API', () => {
    const { container } = render(NotificationToggle, { notifier: new Notifier({ focus: () => {}, open: () => {} }) });
    expect(container.textContent!.trim()).toBe('');
  });
});
