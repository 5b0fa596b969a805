import { getOperationAST, Kind, type ExecutionArgs, type FieldNode } from 'graphql';
import type { DeliveredEvent } from '../domain/chat-event-stream.js';
import type { Message } from '../domain/models.js';

/*
 * How a subscription event's result tells the socket writer (graphql-ws-transport.ts)
 * that it is a delivery, and since when its message has been on its way. The
 * transport only sees the payload object graphql-ws serializes; the event
 * behind it is known where the subscription maps events to results
 * (execution-sharing.ts). So each result is stamped there, in a WeakMap keyed
 * by the result object (one shared result gets one stamp), and read back when
 * the frame is written: one WeakMap lookup per delivery, nothing allocated.
 *
 * Latency counts from the message's acceptedAt (its createdAt: the persister
 * stores the envelope's acceptedAt) to the write. Only messages accepted after
 * the subscription began are measured: a replay after a reconnect (afterSeq,
 * a chatEvents cursor) delivers old messages on purpose, and would otherwise
 * read as minutes of latency. A message whose publish was lost and that a
 * subscriber got from the store later still counts, with its real delay.
 * acceptedAt comes from the accepting instance's clock: instances whose
 * clocks disagree skew it by the difference.
 */

/** Result object → acceptedAt in epoch ms, or NaN for an event that carries no accepted message (typing, presence, a chat list entry). */
const stamps = new WeakMap<object, number>();

/** Per subscription root field: the acceptance time of the new message an event delivers, if it delivers one. */
const ACCEPTED_AT: Readonly<Record<string, (event: never) => Date | null>> = {
  messageAdded: (message: Message) => message.createdAt,
  // An edit or deletion carries the message as first accepted: not this change's acceptance.
  chatEvents: (event: DeliveredEvent) => (event.kind === 'MessageAdded' ? event.message.createdAt : null),
};

/** The subscription fields whose deliveries are timed (a test checks they exist in the schema). */
export const TIMED_SUBSCRIPTIONS = Object.keys(ACCEPTED_AT);

/**
 * Called once per subscription, `since` the moment it was asked for: what
 * stamps each of its results. Results of subscriptions whose events carry no message are stamped
 * too (NaN), so that every subscription event counts as a delivery.
 */
export function subscriptionStamper(args: ExecutionArgs, since: number): (result: object, event: unknown) => void {
  const root = getOperationAST(args.document, args.operationName)?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const acceptedAt = root ? (ACCEPTED_AT[root.name.value] as ((event: unknown) => Date | null) | undefined) : undefined;
  if (!acceptedAt) {
    return (result) => {
      if (!stamps.has(result)) stamps.set(result, NaN);
    };
  }
  return (result, event) => {
    // A shared result is stamped by the first subscriber that maps it.
    if (stamps.has(result)) return;
    const at = acceptedAt(event)?.getTime() ?? NaN;
    stamps.set(result, at >= since ? at : NaN);
  };
}

/** What the socket writer reads: undefined when the payload is no subscription event (a query's result over graphql-ws). */
export function deliveryStamp(payload: object): number | undefined {
  return stamps.get(payload);
}

/** A result replaced on its way to the socket (its errors formatted) keeps its stamp. */
export function restamped<T extends object>(original: object, replacement: T): T {
  const stamp = stamps.get(original);
  if (stamp !== undefined) stamps.set(replacement, stamp);
  return replacement;
}
