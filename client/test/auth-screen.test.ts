import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import AuthScreen from '../src/lib/components/AuthScreen.svelte';
import { fakeClient } from './fake-client';

const user = { id: 'u1', username: 'ada', displayName: 'Ada' };

describe('sign-in and sign-up form', () => {
  it('signs in and hands over the session', async () => {
    const { client, calls } = fakeClient({ Login: { data: { login: { token: 't0k', user } } } });
    const onSignedIn = vi.fn();
    render(AuthScreen, { client, onSignedIn });
    await userEvent.type(screen.getByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse{Enter}');
    expect(calls).toEqual([{ operation: 'Login', variables: { username: 'ada', password: 'correct horse' } }]);
    expect(onSignedIn).toHaveBeenCalledWith({ token: 't0k', user });
  });

  it("shows a wrong password inline, on the password field", async () => {
    const { client } = fakeClient({ Login: { code: 'UNAUTHENTICATED', message: 'Wrong username or password' } });
    const onSignedIn = vi.fn();
    render(AuthScreen, { client, onSignedIn });
    await userEvent.type(screen.getByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Password'), 'nope nope{Enter}');
    const password = screen.getByLabelText('Password');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(password.getAttribute('aria-describedby')!)!.textContent).toBe('Wrong username or password.');
    expect(document.activeElement).toBe(password);
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('shows a taken username (CONFLICT) and a field problem (BAD_USER_INPUT) where they belong', async () => {
    let answer = { code: 'CONFLICT', message: 'That username is taken' };
    const { client } = fakeClient({ Signup: () => answer });
    render(AuthScreen, { client, onSignedIn: vi.fn() });
    await userEvent.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(screen.getByRole('heading', { name: 'Create your account' })).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const username = screen.getByLabelText('Username');
    expect(username.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('That username is taken. Try another one.')).toBeTruthy();

    answer = { code: 'BAD_USER_INPUT', message: 'password must be at least 8 characters' };
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Password must be at least 8 characters.')).toBeTruthy();
    expect(username.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows every sign-up field problem at once, before asking the server', async () => {
    const { client, calls } = fakeClient({});
    render(AuthScreen, { client, onSignedIn: vi.fn() });
    await userEvent.click(screen.getByRole('button', { name: 'Create an account' }));
    await userEvent.type(screen.getByLabelText('Username'), 'A!');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(calls).toEqual([]);
    expect(screen.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Username must be 3 to 32 characters of a-z, 0-9 and _.')).toBeTruthy();
    expect(screen.getByText('Password must be at least 8 characters.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Username'));
  });

  it('says when to retry after too many attempts (RATE_LIMITED), from extensions.retryAfterMs', async () => {
    // The message's own words are not read: only the code and retryAfterMs are the contract.
    const { client } = fakeClient({ Login: { code: 'RATE_LIMITED', message: 'Too many login attempts; try again in 9 s', retryAfterMs: 41_200 } });
    render(AuthScreen, { client, onSignedIn: vi.fn() });
    await userEvent.type(screen.getByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse{Enter}');
    expect(screen.getByRole('alert').textContent).toBe('Too many attempts. Try again in 42 s.');
  });
});
