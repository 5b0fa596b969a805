// Two users, one direct chat, one message delivered live.
//
//   npm start                                    # another terminal; its build includes the SDK
//   node sdk/examples/hello.mjs [http://localhost:4000/graphql]
//
// Uses the built SDK (sdk/dist) and Node >= 22's global fetch and WebSocket; with an
// older Node: node server/scripts/with-node.mjs node sdk/examples/hello.mjs
import { randomBytes } from 'node:crypto';
import { createParleyClient, isParleyError } from '../dist/index.js';

const url = process.argv[2] ?? process.env.PARLEY_URL ?? 'http://localhost:4000/graphql';
const name = (prefix) => `${prefix}_${randomBytes(4).toString('hex')}`;

const ada = createParleyClient({ url });
const bob = createParleyClient({ url });
try {
  const { user: adaUser } = await ada.signup({ username: name('ada'), password: 'correct horse battery', displayName: 'Ada' });
  const { user: bobUser } = await bob.signup({ username: name('bob'), password: 'correct horse battery', displayName: 'Bob' });
  console.log(`signed up ${adaUser.username} and ${bobUser.username}`);

  const chat = await ada.createDirectChat(bobUser.id);
  console.log(`direct chat ${chat.id}`);

  // afterSeq: 0 replays the chat from its start, so the message below cannot slip past
  // however long the subscription takes to go live.
  const messages = bob.messageAdded(chat.id, { afterSeq: 0 });
  const sent = await ada.sendMessage(chat.id, 'Hello, Bob!');
  console.log(`ada sent message ${sent.messageId}`);

  for await (const message of messages) {
    console.log(`bob received #${message.seq} from ${message.sender.displayName}: ${message.body}`);
    break; // leaving the loop unsubscribes
  }
} catch (error) {
  console.error(isParleyError(error) ? `Parley error ${error.code}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await Promise.all([ada.close(), bob.close()]);
}
