import { DomainError } from '../domain/errors.js';
import { MessageBodyUnreadableError, MessageKeyMissingError } from './message-cipher.js';

/**
 * What a client is told when a stored body cannot be opened: UNAVAILABLE
 * (the operator can fix it: give this instance the key, or restore the row),
 * naming the key, never the key material nor a stack trace.
 */
export function bodyUnavailable(error: unknown): never {
  if (error instanceof MessageKeyMissingError) {
    throw new DomainError('UNAVAILABLE', `This message is encrypted under key "${error.keyId}", which this Parley instance does not have (MESSAGE_KEYS)`, { cause: error });
  }
  if (error instanceof MessageBodyUnreadableError) {
    throw new DomainError('UNAVAILABLE', `Message ${error.address.messageId} cannot be decrypted with key "${error.keyId}": its stored body is damaged or was altered`, { cause: error });
  }
  throw error;
}
