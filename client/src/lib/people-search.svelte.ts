import type { Client } from '@urql/core';
import { UsersDocument, type UserFieldsFragment } from '@parley/sdk/documents';
import { toApiError } from './errors';

interface Options {
  /** Searches only while this says so (the dialog or panel is open). */
  active: () => boolean;
  /** Which people found to show (not the viewer, say). */
  keep: (user: UserFieldsFragment) => boolean;
  onError: (message: string) => void;
}

/**
 * Finding people by username or name (`users(search)`), debounced: a request
 * per pause in typing, not per key. Shared by the new chat dialog and the
 * group panel's "Add people"; create it while a component initialises.
 */
export class PeopleSearch {
  text = $state('');
  results = $state.raw<UserFieldsFragment[]>([]);
  searching = $state(false);

  /**
   * Counts searches asked for, as the text changes (not as they are sent after the pause): an answer
   * for any text but the latest is dropped, rather than shown, or taken as settling the latest.
   */
  private asked = 0;
  private waiters: (() => void)[] = [];

  /** Resolves once the results answer the text as it is now (at once when they do): Enter right after typing acts on them. */
  settled(): Promise<void> {
    if (!this.searching) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  constructor(client: Client, { active, keep, onError }: Options) {
    $effect(() => {
      const text = this.text.trim();
      if (!active()) return;
      this.searching = true;
      const id = ++this.asked;
      const timer = setTimeout(async () => {
        const result = await client.query(UsersDocument, { search: text || null, first: 20 }).toPromise();
        if (id !== this.asked) return;
        this.searching = false;
        if (result.data) this.results = result.data.users.filter(keep);
        else if (result.error) onError(toApiError(result.error).message);
        for (const resolve of this.waiters.splice(0)) resolve();
      }, 200);
      return () => clearTimeout(timer);
    });
  }
}
