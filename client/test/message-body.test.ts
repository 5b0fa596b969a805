import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import MessageBody from '../src/lib/components/MessageBody.svelte';

describe('message body', () => {
  it('makes http(s) links that open safely in a new tab, and leaves javascript: and markup as text', () => {
    const { container } = render(MessageBody, {
      body: 'docs at https://example.org/guide, not javascript:alert(1) nor <b>bold</b> <img src=x onerror=alert(1)>',
    });
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute('href')).toBe('https://example.org/guide');
    expect(links[0].getAttribute('target')).toBe('_blank');
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer');
    expect(container.querySelector('b, img')).toBeNull();
    expect(container.querySelector('.body')!.textContent).toBe(
      'docs at https://example.org/guide, not javascript:alert(1) nor <b>bold</b> <img src=x onerror=alert(1)>',
    );
  });

  it('marks a few emoji alone as emoji-only, and not emoji in a sentence', () => {
    const { container, unmount } = render(MessageBody, { body: '🎉🎉' });
    expect(container.querySelector('.body')!.classList.contains('emoji-only')).toBe(true);
    unmount();
    const other = render(MessageBody, { body: 'party 🎉' });
    expect(other.container.querySelector('.body')!.classList.contains('emoji-only')).toBe(false);
  });

  it('folds a long message behind a Show more button that says whether it is expanded', async () => {
    const { container } = render(MessageBody, { body: Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') });
    const body = container.querySelector('.body')!;
    const button = screen.getByRole('button', { name: 'Show more' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(button.getAttribute('aria-controls')).toBe(body.id);
    expect(body.classList.contains('folded')).toBe(true);
    await userEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(button.textContent!.trim()).toBe('Show less');
    expect(body.classList.contains('folded')).toBe(false);
    await userEvent.click(button);
    expect(body.classList.contains('folded')).toBe(true);
  });

  it('has no Show more for a short message', () => {
    render(MessageBody, { body: 'short' });
    expect(screen.queryByRole('button')).toBeNull();
  });
});
