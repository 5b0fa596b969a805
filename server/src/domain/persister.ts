import { performance } from 'node:perf_hooks';
import { messageIdFor } from './ids.js';
import { isChange, type ChangeEnvelope, type MessageEnvelope, type Rejection, type SendEnvelope } from '../event-log/port.js';
import type { Message } from './models.js';
import type { PersisterMeter } from '../observability/meters.js';
import { clientKeyOf, InvalidMessageError, MissingReferenceError, type Appended, type MessageStore, type NewMessage } from '../message-store/port.js';
import type { ChatRepository, UserRepository } from '../relational/ports.js';
import type { RealtimeBus } from '../realtime/port.js';
import { chatChannel, storedEvent, type MessageChanged, type MessageStored } from '../realtime/events.js';
import type { Logger } from '../observability/log.js';
import { CONFLICT_RETRY_BUDGET_MS } from '../config/tuning.js';
import { conflictBackoffMs, sleep } from '../support/retry.js';
import { activityOf, repairChatActivity } from './chat-activity.js';
import { invalidEnvelopeReason } from './envelope-check.js';

/** The one way from a send on the log to a message to store; absent fields are those of a text message replying to nothing (older envelopes). */
export const newMessageOf = (envelope: SendEnvelope, id: string): NewMessage => ({
  id,
  chatId: envelope.chatId,
  senderId: envelope.senderId,
  body: envelope.body,
  clientId: envelope.clientId,
  kind: envelope.kind ?? 'TEXT',
  subjectId: envelope.subjectId ?? null,
  replyToId: envelope.replyToId ?? null,
  createdAt: new Date(envelope.acceptedAt),
});

/** An envelope on its way to the store: the envelope as it came (rejections name it), the message it becomes. */
interface Pending {
  envelope: SendEnvelope;
  message: NewMessage;
}

/** A send the store already held: a redelivery, or a client's retry. */
interface Found {
  envelope: SendEnvelope;
  message: Message;
}

/** A batch in its order, as runs of sends (stored together) between edits and deletions (applied one by one). */
function runs(batch: MessageEnvelope[]): (SendEnvelope[] | ChangeEnvelope)[] {
  const result: (SendEnvelope[] | ChangeEnvelope)[] = [];
  for (const envelope of batch) {
    if (isChange(envelope)) result.push(envelope);
    else if (Array.isArray(result.at(-1))) (result.at(-1) as SendEnvelope[]).push(envelope);
    else result.push([envelope]);
  }
  return result;
}

interface Outcome {
  written: Message[];
  found: Found[];
  rejected: Rejection[];
}

const nothing = (): Outcome => ({ written: [], found: [], rejected: [] });

const byChatThenSeq = (a: Message, b: Message): number =>
  a.chatId === b.chatId ? a.seq - b.seq : a.chatId < b.chatId ? -1 : 1;

export interface PersisterOptions {
  /**
   * Whether a batch counts as handled only once its messages are published.
   * With the in-process log a sender waits for the batch, so live delivery
   * must not hold up the acknowledgement (a hung Redis would stall every
   * send): false. With Kafka no sender waits on the persister, and waiting
   * keeps the batch's offset uncommitted until its messages are published, so
   * a crash in between redelivers them and they are published then: true.
   */
  awaitPublish: boolean;
  /** Counts batches (size, duration), messages stored and envelopes rejected. */
  meter?: PersisterMeter;
}

/**
 * Turns accepted envelopes into stored, ordered messages: the store numbers
 * each chat's new messages after its last seq and writes them idempotently
 * (by message id and by `(sender, chat, clientId)`); the batch is folded into
 * the chat summaries; then the new messages are published in seq order.
 *
 * - A send the store already holds is not written again. It is published
 *   again only when it is the same envelope redelivered (its first publish may
 *   never have happened); a client's retry of an old clientId is never
 *   republished, so subscribers never see an old message twice.
 * - Envelopes that can never be stored are returned as rejections instead of
 *   failing the batch: malformed ones, unknown chats or senders, and data the
 *   store refuses as invalid (found by halving the batch until the refused
 *   envelope stands alone, so its neighbours are stored).
 * - Another writer winning a race for a message (or, on MongoDB, a seq) is
 *   retried with jittered back-off within CONFLICT_RETRY_BUDGET_MS, and
 *   logged; only then does the batch fail as a transient error.
 */
export class Persister {
  private readonly publishing = new Set<Promise<void>>();

  constructor(
    private readonly store: MessageStore,
    private readonly chats: ChatRepository,
    private readonly users: UserRepository,
    private readonly bus: RealtimeBus,
    private readonly logger: Logger,
    private readonly options: PersisterOptions = { awaitPublish: false },
  ) {}

  /**
   * A batch's sends are stored together, except that an edit or a deletion
   * in between is applied after the sends before it and before the ones
   * after it: a chat's changes keep the order the log gave them.
   */
  readonly handle = async (batch: MessageEnvelope[]): Promise<Rejection[]> => {
    const started = performance.now();
    const { meter } = this.options;
    let rejected: Rejection[];
    try {
      rejected = await this.handleBatch(batch);
    } catch (error) {
      meter?.batch(batch.length, (performance.now() - started) / 1000, false);
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    meter?.batch(batch.length, seconds, true);
    for (const rejection of rejected) meter?.rejected(rejection.code ?? 'BAD_USER_INPUT');
    this.logger.debug({ size: batch.length, rejected: rejected.length, durationMs: Math.round(seconds * 100_000) / 100 }, 'persister batch');
    return rejected;
  };

  private async handleBatch(batch: MessageEnvelope[]): Promise<Rejection[]> {
    const rejected: Rejection[] = [];
    for (const run of runs(batch)) rejected.push(...(Array.isArray(run) ? await this.handleSends(run) : await this.handleChange(run)));
    return rejected;
  }

  /** Applies one edit or deletion; one the message's state has made moot (deleted, or applied before) changes nothing. */
  private async handleChange(envelope: ChangeEnvelope): Promise<Rejection[]> {
    const reason = invalidEnvelopeReason(envelope);
    if (reason) return [{ envelope, reason }];
    const { changeId, chatId, messageId, type, body, acceptedAt } = envelope;
    let outcome;
    try {
      outcome = await this.store.change({ changeId, chatId, messageId, change: type, body, acceptedAt: new Date(acceptedAt) });
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      return [{ envelope, reason: error.message }];
    }
    if (!outcome.message) return [{ envelope, reason: `chat ${chatId} has no message ${messageId}` }];
    // Accepted after the message was deleted (the API had not seen it yet): its sender hears so, rather than
    // a success that never shows. An edit accepted before the deletion was overtaken by it, as if applied first.
    const { deletedAt } = outcome.message;
    if (!outcome.applied && type === 'edit' && deletedAt && Date.parse(acceptedAt) >= deletedAt.getTime()) {
      return [{ envelope, reason: 'This message was deleted', code: 'CONFLICT' }];
    }
    // An edit another change overtook: nothing to do. A redelivery of the change that holds is published
    // again, as a redelivered send is: the delivery that applied it may have died before publishing.
    if (!outcome.current) return [];
    const { message } = outcome;
    const publishing = this.publishEvents([{ type: 'messageChanged', change: type === 'edit' ? 'edited' : 'deleted', message }]);
    if (this.options.awaitPublish) await publishing;
    return [];
  }

  private async handleSends(batch: SendEnvelope[]): Promise<Rejection[]> {
    const { candidates, rejected } = this.wellFormed(batch);
    const outcome = await this.storeIsolating(candidates);
    rejected.push(...outcome.rejected);
    this.options.meter?.stored(outcome.written.reduce((texts, message) => texts + (message.kind === 'TEXT' ? 1 : 0), 0));
    // The store recorded what it wrote; found sends may never have been recorded (a crash in between), and replays are harmless.
    await this.chats.recordActivity(activityOf(outcome.found.map((f) => f.message)));
    const redelivered = outcome.found.filter(isRedelivery).map((f) => f.message);
    const publishing = this.publishEvents([...outcome.written, ...redelivered].sort(byChatThenSeq).map(storedEvent));
    if (this.options.awaitPublish) await publishing;
    return rejected;
  }

  /** Records the activity of chats whose recorded lastSeq is behind the store; see repairChatActivity. */
  repairActivity(): Promise<number> {
    return repairChatActivity(this.store, this.chats, this.logger);
  }

  /** Resolves once every publish issued so far has settled (close waits for it before the bus goes). */
  async idle(): Promise<void> {
    await Promise.all([...this.publishing]);
  }

  /**
   * Sets aside what can never be stored, by the envelope's own fields, and
   * drops duplicates within the batch. Each message's id is derived from its
   * `(sender, chat, clientId)`, as sendMessage derives it: an envelope from
   * before idempotency was scoped to the chat carries an id of
   * `(sender, clientId)` only, which could name another chat's message.
   */
  private wellFormed(batch: SendEnvelope[]): { candidates: Pending[]; rejected: Rejection[] } {
    const rejected: Rejection[] = [];
    const candidates: Pending[] = [];
    const seen = new Set<string>();
    let rekeyed = 0;
    for (const envelope of batch) {
      const reason = invalidEnvelopeReason(envelope);
      if (reason) {
        rejected.push({ envelope, reason });
        continue;
      }
      const id = messageIdFor(envelope.senderId, envelope.chatId, envelope.clientId);
      if (id !== envelope.messageId) rekeyed++;
      if (seen.has(id)) continue;
      seen.add(id);
      candidates.push({ envelope, message: newMessageOf(envelope, id) });
    }
    if (rekeyed > 0) this.logger.info({ count: rekeyed }, 'stored envelopes under the id of their (sender, chat, clientId)');
    return { candidates, rejected };
  }

  /** Stores the batch; when the store refuses data as invalid, halves it until the refused envelopes stand alone. */
  private async storeIsolating(pending: Pending[]): Promise<Outcome> {
    if (pending.length === 0) return nothing();
    try {
      return await this.storeWithRetries(pending);
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      if (pending.length === 1) {
        const [{ envelope }] = pending;
        this.logger.warn({ messageId: envelope.messageId, chatId: envelope.chatId, reason: error.message }, 'message store refused a message as invalid; rejecting it');
        return { written: [], found: [], rejected: [{ envelope, reason: error.message }] };
      }
      const half = Math.ceil(pending.length / 2);
      const first = await this.storeIsolating(pending.slice(0, half));
      const second = await this.storeIsolating(pending.slice(half));
      return { written: [...first.written, ...second.written], found: [...first.found, ...second.found], rejected: [...first.rejected, ...second.rejected] };
    }
  }

  private async storeWithRetries(pending: Pending[]): Promise<Outcome> {
    const outcome = nothing();
    let todo = pending;
    const started = Date.now();
    for (let attempt = 1; todo.length > 0; attempt++) {
      let appended: Appended;
      try {
        appended = await this.store.append(todo.map((p) => p.message));
      } catch (error) {
        if (!(error instanceof MissingReferenceError)) throw error;
        // A sender that does not exist; the store wrote nothing.
        const valid = await this.screen(todo, outcome.rejected);
        if (valid.length === todo.length) throw error; // the store and the screen disagree: not ours to settle here
        todo = valid;
        continue;
      }
      const { found, rest } = settle(todo, appended);
      outcome.written.push(...appended.written);
      outcome.found.push(...found);
      // Left out of both lists: a chat that does not exist, or another writer was first.
      todo = rest.length > 0 ? await this.screen(rest, outcome.rejected) : rest;
      if (todo.length === 0) break;
      const fields = { count: todo.length, chats: [...new Set(todo.map((p) => p.message.chatId))].length, attempt, cause: appended.collision };
      if (Date.now() - started >= CONFLICT_RETRY_BUDGET_MS) {
        this.logger.error(fields, 'message store conflicts did not settle in time; the batch will be retried');
        throw new Error(`could not store ${todo.length} messages: ${appended.collision ?? 'conflicting writers'}`);
      }
      this.logger.warn(fields, 'message store conflict with another writer; retrying');
      await sleep(conflictBackoffMs(attempt));
    }
    return outcome;
  }

  /** Sets aside envelopes whose chat or sender does not exist, adding them to `rejected`. */
  private async screen(candidates: Pending[], rejected: Rejection[]): Promise<Pending[]> {
    if (candidates.length === 0) return [];
    const [chats, senders] = await Promise.all([
      this.chats.existingIds([...new Set(candidates.map((p) => p.message.chatId))]),
      this.users.findByIds([...new Set(candidates.map((p) => p.message.senderId))]).then((users) => new Set(users.map((u) => u.id))),
    ]);
    const valid: Pending[] = [];
    for (const p of candidates) {
      const { envelope } = p;
      if (!chats.has(envelope.chatId)) rejected.push({ envelope, reason: `chat ${envelope.chatId} does not exist` });
      else if (!senders.has(envelope.senderId)) rejected.push({ envelope, reason: `sender ${envelope.senderId} does not exist` });
      else valid.push(p);
    }
    return valid;
  }

  /**
   * All at once: each publish is issued before the next, in seq order, and
   * both buses keep that order per channel (the local one pushes at once,
   * Redis runs one connection's commands in order). Batches are handled one
   * after another, so a later batch's publishes are issued after these even
   * when nobody waits for these to settle.
   */
  private publishEvents(events: (MessageStored | MessageChanged)[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const done = Promise.all(events.map((event) => this.publishOne(event))).then(() => undefined);
    this.publishing.add(done);
    void done.finally(() => this.publishing.delete(done));
    return done;
  }

  private async publishOne(event: MessageStored | MessageChanged): Promise<void> {
    const { message } = event;
    try {
      await this.bus.publish(chatChannel(message.chatId), event);
    } catch (error) {
      // Stored is what counts; subscribers recover what they missed from the store (afterSeq, chatEvents cursors).
      this.logger.warn({ chatId: message.chatId, seq: message.seq, err: error }, 'realtime publish failed');
    }
  }
}

/** Which pending sends the store wrote or already held, and which are left for another attempt. */
function settle(todo: Pending[], appended: Appended): { found: Found[]; rest: Pending[] } {
  const written = new Set(appended.written.map((m) => m.id));
  const byId = new Map(appended.existing.map((m) => [m.id, m]));
  const byKey = new Map(appended.existing.flatMap((m) => (m.clientId === null ? [] : [[clientKeyOf({ ...m, clientId: m.clientId }), m] as const])));
  const found: Found[] = [];
  const rest: Pending[] = [];
  for (const p of todo) {
    if (written.has(p.message.id)) continue;
    const stored = byId.get(p.message.id) ?? byKey.get(clientKeyOf(p.message));
    if (stored) found.push({ envelope: p.envelope, message: stored });
    else rest.push(p);
  }
  return { found, rest };
}

/** The same envelope handled again (a redelivery), rather than a client's later retry of its clientId. */
const isRedelivery = ({ envelope, message }: Found): boolean =>
  message.id === messageIdFor(envelope.senderId, envelope.chatId, envelope.clientId) && message.createdAt.getTime() === Date.parse(envelope.acceptedAt);
