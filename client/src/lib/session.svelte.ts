import type { UserFieldsFragment } from '@parley/sdk/documents';

/**
 * Who is signed in: the token and user, kept in localStorage so a reload (or a
 * new tab) stays signed in. Nothing else is persisted: history comes back from
 * the server, which is the source of truth.
 */

export interface Session {
  token: string;
  user: UserFieldsFragment;
}

const KEY = 'parley.session';

function load(): Session | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    return typeof value.token === 'string' && value.user?.id ? (value as Session) : null;
  } catch {
    // Storage disabled or a hand-edited value: start signed out rather than fail to load.
    return null;
  }
}

class SessionStore {
  current = $state<Session | null>(load());
  /** Why the last session ended, when it was not the person's choice (shown on the login screen). */
  endedBecause = $state<string | null>(null);

  signIn(session: Session): void {
    this.current = session;
    this.endedBecause = null;
    try {
      localStorage.setItem(KEY, JSON.stringify(session));
    } catch {
      // Private mode: the session lasts as long as the tab.
    }
  }

  signOut(reason: string | null = null): void {
    this.current = null;
    this.endedBecause = reason;
    try {
      localStorage.removeItem(KEY);
    } catch {
      /* nothing stored */
    }
  }
}

export const session = new SessionStore();
