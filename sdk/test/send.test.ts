import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../src/index.js';
import { Clients, RetryLog, signedUp, TestParley } from './support/parley.js';

interface Call {
  operationName: string;
  variables: Record<string, unknown>;
}

/** What the interceptor does with a call: pass it on, pass it on and lose the answer, answer itself, or never answer. */
type Plan = (call: Call, nth: number) => 'pass' | 'lose' | 'hang' | { status: number; body: string };

/**
 * An HTTP hop in front of Parley that can lose answers the server did give,
 * or answer in its place, while recording every call that reached it.
 */
class Interceptor {
  readonly calls: Call[] = [];
  /** Answers the server gave that never reached the client. */
  readonly lost: any[] = [];
  private server!: Server;
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly plan: Plan,
  ) {}

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const call = JSON.parse(raw) as Call;
      this.calls.push(call);
      const action = this.plan(call, this.calls.filter((c) => c.operationName === call.operationName).length);
      if (action === 'hang') return;
      if (typeof action === 'object') {
        res.writeHead(action.status, { 'content-type': 'application/json' }).end(action.body);
        return;
      }
      const answer = await fetch(this.upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: raw,
      });
      const text = await answer.text();
      if (action === 'lose') {
        this.lost.push(JSON.parse(text));
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/graphql`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const UNAVAILABLE = {
  status: 200,
  body: JSON.stringify({
    data: null,
    errors: [{ message: 'The message could not be accepted; retry with the same clientId', path: ['sendMessage'], extensions: { code: 'UNAVAILABLE' } }],
  }),
};

describe('sendMessage retries', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  async function through(plan: Plan) {
    const interceptor = clients.closing(await new Interceptor(server.url, plan).start());
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    const retries = new RetryLog();
    const sender = clients.client({ url: interceptor.url, token: ada.client.token, onRetry: retries.push });
    return { interceptor, sender, retries, chat, reader: bob.client };
  }

  it('a send whose answer was lost is sent again with the same clientId and stored once', async () => {
    const { interceptor, sender, retries, chat, reader } = await through((call, nth) =>
      call.operationName === 'SendMessage' && nth === 1 ? 'lose' : 'pass',
    );
    const sent = await sender.sendMessage(chat.id, 'exactly once');

    const sends = interceptor.calls.filter((c) => c.operationName === 'SendMessage');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.variables['clientId']).toBe(sends[0]!.variables['clientId']);
    expect(sent.clientId).toBe(sends[0]!.variables['clientId']);
    // The server had stored the first attempt; the retry got the same message back.
    expect(sent.messageId).toBe(interceptor.lost[0].data.sendMessage.messageId);
    expect(retries.events).toEqual([expect.objectContaining({ operation: 'sendMessage', attempt: 1, clientId: sent.clientId })]);
    expect(retries.events[0]!.error.code).toBe('NETWORK');

    const history = await reader.messages(chat.id);
    expect(history.edges.map((e) => [e.node.id, e.node.body])).toEqual([[sent.messageId, 'exactly once']]);
  });

  it('UNAVAILABLE is retried with the same clientId until the server takes the message', async () => {
    const { interceptor, sender, retries, chat, reader } = await through((call, nth) =>
      call.operationName === 'SendMessage' && nth <= 2 ? UNAVAILABLE : 'pass',
    );
    const sent = await sender.sendMessage(chat.id, 'after two refusals', { clientId: 'my-id-1' });
    expect(sent.clientId).toBe('my-id-1');
    expect(interceptor.calls.filter((c) => c.operationName === 'SendMessage').map((c) => c.variables['clientId'])).toEqual([
      'my-id-1',
      'my-id-1',
      'my-id-1',
    ]);
    expect(retries.events.map((e) => [e.attempt, e.error.code])).toEqual([
      [1, 'UNAVAILABLE'],
      [2, 'UNAVAILABLE'],
    ]);
    expect((await reader.messages(chat.id)).edges).toHaveLength(1);
  });

  it('gives up after the retries with the last error, UNAVAILABLE', async () => {
    const { interceptor, sender, chat } = await through((call) => (call.operationName === 'SendMessage' ? UNAVAILABLE : 'pass'));
    const error = await sender.sendMessage(chat.id, 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', path: ['sendMessage'], retryable: true });
    const sends = interceptor.calls.filter((c) => c.operationName === 'SendMessage');
    expect(sends).toHaveLength(4);
    expect(new Set(sends.map((c) => c.variables['clientId'])).size).toBe(1);
  });

  it('a 503 from a proxy is UNAVAILABLE; a request without an answer times out as NETWORK', async () => {
    const { sender, interceptor } = await through((call) =>
      call.operationName === 'Me' ? { status: 503, body: '<h1>Service Unavailable</h1>' } : call.operationName === 'Users' ? 'hang' : 'pass',
    );
    await expect(sender.me()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const impatient = clients.client({ url: interceptor.url, token: sender.token, requestTimeoutMs: 200 });
    await expect(impatient.users()).rejects.toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/timeout/i) });
  });

  it('an answer that is no GraphQL result is judged by its status; GraphQL errors keep their code and JSON whatever the status', async () => {
    const answers: Record<string, { status: number; body: string }> = {
      Me: { status: 200, body: 'not json' },
      Users: { status: 200, body: '{}' },
      Chats: { status: 429, body: '' },
      Chat: { status: 400, body: JSON.stringify({ errors: [{ message: 'Cannot query field "x"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }) },
      Messages: { status: 200, body: JSON.stringify({ data: null, errors: [{ message: 'boom', path: ['messages'] }] }) },
    };
    const { sender, chat } = await through((call) => answers[call.operationName] ?? 'pass');
    await expect(sender.me()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'The server answered without data' });
    await expect(sender.users()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'The server answered without data' });
    await expect(sender.chats()).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: false });
    const invalid = await sender.chat(chat.id).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'BAD_REQUEST', serverCode: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "x"' });
    expect((invalid as ParleyError).errors).toEqual([{ message: 'Cannot query field "x"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    const failed = await sender.messages(chat.id).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'boom', path: ['messages'] });
    expect((failed as ParleyError).errors).toEqual([{ message: 'boom', path: ['messages'] }]);
  });
});
