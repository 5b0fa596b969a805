import type { BodyPosition, MessageStore, StoredBody } from '../message-store/port.js';
import { MessageBodyUnreadableError, MessageKeyMissingError, type MessageCipher } from './message-cipher.js';

export interface RekeyOptions {
  /** Bodies read per page. */
  pageSize?: number;
  /** Start after this position (a resumed run); from the start when absent. */
  after?: BodyPosition | null;
  /** Told after each page: where the walk stands, for progress and resuming. */
  onPage?: (position: BodyPosition, report: RekeyReport) => void;
}

export interface RekeyReport {
  /** Bodies read. */
  scanned: number;
  /** Bodies written under the current key: re-sealed, or sealed for the first time (plain text from before). */
  rewritten: number;
  /** Empty, or already under the current key: left alone (what makes a second run cheap). */
  current: number;
  /** Bodies an edit or deletion replaced between the read and the write, re-read and settled. */
  raced: number;
  /** Bodies under keys this run does not have, by key id: left alone. */
  missingKeys: Record<string, number>;
  /** Bodies whose key does not open them (damaged or altered), by message id: left alone. */
  unreadable: string[];
  /**
   * Bodies that changed under every one of their tries (an instance still sealing with an older
   * first key keeps editing them), by message id: not under the current key yet; run again.
   */
  unsettled: string[];
}

/** Tries of one body that keeps changing under the walk before it is left to the next run. */
const RACE_ATTEMPTS = 5;

/**
 * Re-seals every stored body that is not under the cipher's current key,
 * page by page in (chat, seq) order. Each write is a compare-and-set on the
 * body that was read, so an edit or deletion that lands in between wins and
 * the body is read again; the API keeps serving throughout (it opens bodies
 * under any of its keys). Idempotent: bodies already under the current key
 * are skipped, so a run that stopped anywhere is simply run again.
 */
export async function rekey(store: Pick<MessageStore, 'bodies' | 'replaceBody' | 'findByIds'>, cipher: MessageCipher, options: RekeyOptions = {}): Promise<RekeyReport> {
  const pageSize = options.pageSize ?? 500;
  const report: RekeyReport = { scanned: 0, rewritten: 0, current: 0, raced: 0, missingKeys: {}, unreadable: [], unsettled: [] };
  let after = options.after ?? null;
  for (;;) {
    const page = await store.bodies(after, pageSize);
    if (page.length === 0) return report;
    for (const stored of page) {
      report.scanned++;
      await settle(store, cipher, stored, report);
    }
    const last = page.at(-1)!;
    after = { chatId: last.chatId, seq: last.seq };
    options.onPage?.(after, report);
    if (page.length < pageSize) return report;
  }
}

async function settle(store: Pick<MessageStore, 'replaceBody' | 'findByIds'>, cipher: MessageCipher, first: StoredBody, report: RekeyReport): Promise<void> {
  let stored: StoredBody | null = first;
  for (let attempt = 1; stored !== null; attempt++) {
    if (cipher.isCurrent(stored.body)) {
      report.current++;
      return;
    }
    const address = { chatId: stored.chatId, messageId: stored.id };
    let text: string;
    try {
      text = cipher.open(stored.body, address);
    } catch (error) {
      if (error instanceof MessageKeyMissingError) report.missingKeys[error.keyId] = (report.missingKeys[error.keyId] ?? 0) + 1;
      else if (error instanceof MessageBodyUnreadableError) report.unreadable.push(stored.id);
      else throw error;
      return;
    }
    if (await store.replaceBody(stored, cipher.seal(text, address))) {
      report.rewritten++;
      return;
    }
    // Changed since the read: read it again (an edit by an instance with an older key list may need another pass).
    report.raced++;
    if (attempt >= RACE_ATTEMPTS) {
      report.unsettled.push(stored.id);
      return;
    }
    const [message] = await store.findByIds([stored.id]);
    stored = message ? { id: message.id, chatId: message.chatId, seq: message.seq, body: message.body } : null;
  }
}
