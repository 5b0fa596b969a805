import type { Client } from '@urql/core';
import {
  DeleteMessageDocument,
  EditMessageDocument,
  type ChatFieldsFragment,
  type MessageFieldsFragment,
  type RepliedFieldsFragment,
} from '@parley/sdk/documents';
import { toApiError, type ApiError } from './errors';
import type { Timeline } from './timeline.svelte';

/** docs/api.md, Limits, for a body, the same for an edit as for a send: 1 to 4000 characters after trimming. */
const BODY_MAX = 4000;

export interface AvailableActions {
  reply: boolean;
  edit: boolean;
  delete: boolean;
}

/**
 * What the viewer may do with a stored message (docs/api.md, "Edit, delete,
 * reply"): reply to any text message; edit their own; delete their own, or
 * any in a group they own. A deleted message and a system line have none.
 */
export function availableActions(
  message: Pick<MessageFieldsFragment, 'kind' | 'deletedAt' | 'sender'>,
  viewerId: string,
  chat: Pick<ChatFieldsFragment, 'kind' | 'owner'> | undefined,
): AvailableActions {
  if (message.kind !== 'TEXT' || message.deletedAt) return { reply: false, edit: false, delete: false };
  const own = message.sender.id === viewerId;
  const owner = chat?.kind === 'GROUP' && chat.owner?.id === viewerId;
  return { reply: true, edit: own, delete: own || owner };
}

/** A reply's quote: who wrote the original and its first line (shortened), or that it was deleted. */
export function quoteOf(replyTo: Pick<RepliedFieldsFragment, 'body' | 'deletedAt' | 'sender'>, viewerId: string, max = 120) {
  const sender = replyTo.sender.id === viewerId ? 'You' : replyTo.sender.displayName || replyTo.sender.username;
  if (replyTo.deletedAt) return { sender, text: 'Message deleted', deleted: true };
  const line = replyTo.body.split('\n').find((l) => l.trim()) ?? '';
  const chars = [...line.trim()];
  return { sender, text: chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join(''), deleted: false };
}

/** What a form can tell before asking: the same limits as the server's (which still decides). */
export function editProblem(text: string): string | null {
  const body = text.trim();
  if (!body) return 'A message cannot be empty. To remove it, delete it instead.';
  if ([...body].length > BODY_MAX) return `Messages can be up to ${BODY_MAX} characters.`;
  return null;
}

/** An edit's or deletion's error in words for a person. */
export function describeActionError(error: ApiError, action: 'edit' | 'delete'): string {
  const verb = action === 'edit' ? 'saved' : 'deleted';
  switch (error.code) {
    case 'NETWORK':
      return `Not ${verb}: no connection. Try again.`;
    case 'CONFLICT':
      return 'This message has been deleted.';
    case 'NOT_FOUND':
      return 'This message no longer exists.';
    case 'FORBIDDEN':
      return action === 'edit' ? 'You can only edit your own messages.' : 'You cannot delete this message.';
    case 'BAD_USER_INPUT':
      // The server names the field first ("body must be 1 to 4000 trimmed characters").
      return `${error.message.replace(/^body\b/, 'The message').replace(/^\w/, (c) => c.toUpperCase())}.`;
    default:
      return error.message;
  }
}

/** The menu item that arrow keys, Home and End move to from `index` among `count` (wrapping); null for other keys. */
export function menuMove(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * One open chat's message actions: which message is being edited, which one
 * the composer replies to, and the edit and delete mutations, whose answers
 * go straight into the chat's timeline: at once, without waiting for the
 * chat's events, which bring the same change (to everyone else too;
 * Timeline.update takes it twice harmlessly).
 */
export class MessageActionsState {
  editingId = $state<string | null>(null);
  private replyTarget = $state.raw<MessageFieldsFragment | null>(null);

  constructor(
    private readonly client: Client,
    private readonly timeline: Timeline,
    readonly viewerId: string,
    private readonly chat: () => Pick<ChatFieldsFragment, 'kind' | 'owner'> | undefined,
    private readonly onReply: () => void = () => {},
  ) {}

  /** The message the composer replies to, as the timeline holds it now (edited or deleted meanwhile). */
  get replyingTo(): MessageFieldsFragment | null {
    const target = this.replyTarget;
    return target ? (this.timeline.messages.find((m) => m.id === target.id) ?? target) : null;
  }

  available(message: MessageFieldsFragment): AvailableActions {
    return availableActions(message, this.viewerId, this.chat());
  }

  reply(message: MessageFieldsFragment): void {
    this.replyTarget = message;
    this.onReply();
  }

  cancelReply(): void {
    this.replyTarget = null;
  }

  startEdit(message: MessageFieldsFragment): void {
    if (this.available(message).edit) this.editingId = message.id;
  }

  cancelEdit(): void {
    this.editingId = null;
  }

  /** Saves an edit; returns what went wrong, in words, or null once saved (or unchanged). */
  async save(message: MessageFieldsFragment, text: string): Promise<string | null> {
    const problem = editProblem(text);
    if (problem) return problem;
    if (text.trim() === message.body) {
      this.editingId = null;
      return null;
    }
    const result = await this.client.mutation(EditMessageDocument, { messageId: message.id, body: text }).toPromise();
    if (result.error || !result.data) return result.error ? describeActionError(toApiError(result.error), 'edit') : 'Not saved. Try again.';
    this.timeline.update(result.data.editMessage);
    if (this.editingId === message.id) this.editingId = null;
    return null;
  }

  /** Deletes for everyone; returns what went wrong, in words, or null once deleted. */
  async remove(message: MessageFieldsFragment): Promise<string | null> {
    const result = await this.client.mutation(DeleteMessageDocument, { messageId: message.id }).toPromise();
    if (result.error || !result.data) return result.error ? describeActionError(toApiError(result.error), 'delete') : 'Not deleted. Try again.';
    this.timeline.update(result.data.deleteMessage);
    if (this.editingId === message.id) this.editingId = null;
    return null;
  }
}
