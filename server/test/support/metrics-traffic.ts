import { scrape, sumOf, type Family } from './prometheus-text.js';
import { subscribeMessages, type TestServer } from './server.js';
import { until } from './until.js';
import { directChat, send, signup, type TestUser } from './users.js';

/** What one round of traffic left behind, for the assertions. */
export interface Traffic {
  before: Map<string, Family>;
  /** Scraped while the subscriber's socket and subscription were still open. */
  during: Map<string, Family>;
  ada: TestUser;
  bob: TestUser;
  chatId: string;
}

/**
 * The traffic the metrics must show: a send over HTTP received by a real
 * graphql-ws subscriber (so the series created on first use exist), a send
 * refused as invalid, and, when `refuseAChat`, a chat refused by
 * CHAT_CREATE_RATE_LIMIT=1/… (the direct chat here is the one allowed).
 */
export async function sendAndDeliver(server: TestServer, { refuseAChat = false } = {}): Promise<Traffic> {
  const metricsUrl = server.parley.metricsUrl;
  const ada = await signup(server);
  const bob = await signup(server);
  const chatId = await directChat(server, ada, bob);
  const before = await scrape(metricsUrl);

  const ws = server.wsClient(bob.token);
  const subscription = subscribeMessages(ws, chatId);
  try {
    // Live before the send: its delivery is then a live one, whose latency is measured.
    await until(async () => sumOf(await scrape(metricsUrl), 'parley_subscriptions') > sumOf(before, 'parley_subscriptions'));
    await send(server, ada, chatId, 'hello, metrics');
    const [delivered] = await subscription.waitFor(1);
    if (delivered.body !== 'hello, metrics') throw new Error(`delivered ${JSON.stringify(delivered)}`);
    const refused = await server.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "   ") { messageId } }`, { c: chatId }, ada.token);
    if (refused.errors?.[0]?.extensions?.code !== 'BAD_USER_INPUT') throw new Error(`a blank send answered ${JSON.stringify(refused)}`);
    if (refuseAChat) {
      const group = await server.gql(`mutation ($m: [ID!]!) { createGroupChat(title: "one too many", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
      if (group.errors?.[0]?.extensions?.code !== 'RATE_LIMITED') throw new Error(`a second chat answered ${JSON.stringify(group)}`);
    }
    const during = await scrape(metricsUrl);
    return { before, during, ada, bob, chatId };
  } finally {
    subscription.close();
    await ws.dispose();
  }
}
