import type { ChatEvent } from '../realtime/events.js';
import type { BusSubscription } from '../realtime/port.js';
import { AsyncQueue } from '../support/async-queue.js';
import { forbidden } from './errors.js';
import type { LiveCheck } from './live-check.js';

/** From the live check: everything up to `position` is stored. */
export interface CatchUp {
  type: 'catchUp';
  position: number;
}

export type Inbound = ChatEvent | CatchUp;

export interface LiveInboxSource {
  chatId: string;
  viewerId: string;
  /** Already live when the stream's membership check was made. */
  subscription: BusSubscription<ChatEvent>;
  liveCheck: LiveCheck;
  /** Which chat counter the stream's positions are. */
  counter: 'lastSeq' | 'lastEventSeq';
  /** The highest position the stream will deliver from its start (its replay's end). */
  promised: number;
  /** The position a bus event brings, if any. */
  positionOf(event: ChatEvent): number | undefined;
}

/** Ends a stream whose viewer is no longer a member: a lost leave, found by the live check. */
export const noLongerMember = () => forbidden('You are no longer a member of this chat');

/**
 * What one live stream reads: the chat's bus events, and the live check's
 * catch-ups, in one queue. The live check is told how far the stream has got
 * (the highest position delivered or on its way), so it can fill in what the
 * bus lost and end the stream when the viewer's leave was lost. Closing the
 * queue closes the bus subscription and stops the watch. A stream may push
 * signals of its own (`Local`) to have them read in order with the rest.
 */
export function liveInbox<Local = never>(source: LiveInboxSource): AsyncQueue<Inbound | Local> {
  const { chatId, viewerId, subscription, counter } = source;
  let promised = source.promised;
  const inbox = new AsyncQueue<Inbound | Local>(() => {
    subscription.close();
    unwatch();
  });
  const unwatch = source.liveCheck.watch({
    chatId,
    viewerId,
    counter,
    promised: () => promised,
    catchUp: (position) => {
      promised = Math.max(promised, position);
      inbox.push({ type: 'catchUp', position });
    },
    revoke: () => inbox.fail(noLongerMember()),
  });
  void (async () => {
    try {
      for await (const event of subscription) {
        promised = Math.max(promised, source.positionOf(event) ?? 0);
        inbox.push(event);
      }
      inbox.close();
    } catch (error) {
      inbox.fail(error);
    }
  })();
  return inbox;
}
