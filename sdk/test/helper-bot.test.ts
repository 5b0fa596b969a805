import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isParleyError, type Message, type MessageStream } from '../src/index.js';
import { Clients, signedUp, TestParley, uniqueName } from './support/parley.js';

/*
 * The example helper bot (sdk/examples/helper-bot.mjs) as a user runs it: its own Node
 * process, with nothing but a URL, its bot token and a state file, against a real server.
 */

const BOT = fileURLToPath(new URL('../examples/helper-bot.mjs', import.meta.url));

/** One run of the bot process, with what it printed. */
class BotProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [BOT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      this.lines.push(...lines);
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async waitForLine(match: RegExp, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.lines.find((l) => match.test(l));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no line matching ${match} in:\n${this.lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** As Ctrl+C would. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** The next message of the stream that matches, skipping others. */
async function next(stream: MessageStream, match: (m: Message) => boolean): Promise<Message> {
  for (;;) {
    const { value, done } = await stream.next();
    if (done) throw new Error('the stream ended');
    if (match(value)) return value;
  }
}

describe('the example helper bot', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();
  let dir: string;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-helper-bot-'));
  });
  afterAll(async () => {
    await Promise.all(running.map((bot) => bot.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers in a group it was added to, resumes after a restart without answering twice, and stops when its token is revoked', async () => {
    const { client: owner } = clients.add(await signedUp(server.url));
    const created = await owner.createBot({ username: uniqueName('helper'), displayName: 'Helper' });
    expect(created.user.isBot).toBe(true);
    const env = { PARLEY_URL: server.url, PARLEY_BOT_TOKEN: created.token, HELPER_BOT_STATE: join(dir, 'state.json') };
    const start = () => {
      const bot = new BotProcess(env);
      running.push(bot);
      return bot;
    };

    const first = start();
    await first.waitForLine(/is listening in 0 chats/);
    // Added after it started: it learns of the group live (chatUpdated).
    const group = await owner.createGroupChat({ title: 'Bot test', memberIds: [created.user.id] });
    const seen = owner.messageAdded(group.id, { afterSeq: 0 });
    const fromBot = (m: Message) => m.sender.id === created.user.id;

    const echo = await owner.sendMessage(group.id, '/echo hi');
    const echoed = await next(seen, fromBot);
    expect(echoed.body).toBe('hi');
    expect(echoed.replyTo?.id).toBe(echo.messageId);
    await owner.sendMessage(group.id, 'just chatting, no command');
    await owner.sendMessage(group.id, '/help');
    expect((await next(seen, fromBot)).body).toMatch(/^I answer three commands/);
    await first.waitForLine(/answered \/help/);
    expect(await first.stop()).toBe(0);
    const saved = JSON.parse(await readFile(env.HELPER_BOT_STATE, 'utf8'));
    expect(saved.chats[group.id]).toBeGreaterThanOrEqual(4);

    // Sent while the bot is down: answered once it is back, and nothing before it again.
    await owner.sendMessage(group.id, '/echo while you were away');
    const second = start();
    expect((await next(seen, fromBot)).body).toBe('while you were away');
    await owner.sendMessage(group.id, '/stats');
    expect((await next(seen, fromBot)).body).toMatch(/^No statistics for the last 30 days yet/);

    const history = (await owner.messages(group.id, { last: 100 })).edges.map((e) => e.node);
    expect(history.filter(fromBot).map((m) => m.body.slice(0, 20))).toEqual(['hi', HELP_START, 'while you were away', 'No statistics for th']);
    const answered = second.lines.filter((l) => l.startsWith('answered'));
    expect(answered.map((l) => l.split(' ')[1])).toEqual(['/echo', '/stats']);

    // Revoked: the bot's socket closes with 4401 and it stops with UNAUTHENTICATED.
    expect(await owner.revokeBotToken(created.user.id)).toBe(true);
    expect(await second.exited).toBe(1);
    expect(second.lines.join('\n')).toMatch(/helper bot stopped: UNAUTHENTICATED/);
    seen.close();
  });

  it('revokeBotToken and issueBotToken through the SDK', async () => {
    const { client: owner } = clients.add(await signedUp(server.url));
    const { user, token } = await owner.createBot({ username: uniqueName('bot') });
    const bot = clients.client({ url: server.url, token });
    expect((await bot.me()).isBot).toBe(true);
    expect(await owner.revokeBotToken(user.id)).toBe(true);
    await expect(bot.me()).rejects.toSatisfy((error) => isParleyError(error, 'UNAUTHENTICATED'));
    expect(await owner.revokeBotToken(user.id)).toBe(false);
    bot.setToken(await owner.issueBotToken(user.id));
    expect((await bot.me()).id).toBe(user.id);
    // The owner's own client is still the owner's.
    expect((await owner.me()).isBot).toBe(false);
  });
});

const HELP_START = 'I answer three comma';

describe('the example helper bot under its send limit', () => {
  // Three sends per two seconds for everyone, the bot included: two people can ask it more than that.
  const server = TestParley.forSuite({ SEND_RATE_LIMIT: '3/2s' });
  const clients = Clients.forEachTest();
  let dir: string;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-helper-bot-'));
  });
  afterAll(async () => {
    await bot?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits out RATE_LIMITED and answers every command, instead of stopping', async () => {
    const { client: owner } = clients.add(await signedUp(server.url));
    const { client: friend, user: friendUser } = clients.add(await signedUp(server.url));
    const created = await owner.createBot({ username: uniqueName('helper') });
    bot = new BotProcess({ PARLEY_URL: server.url, PARLEY_BOT_TOKEN: created.token, HELPER_BOT_STATE: join(dir, 'state.json') });
    await bot.waitForLine(/is listening in 0 chats/);
    const group = await owner.createGroupChat({ title: 'Busy bot', memberIds: [created.user.id, friendUser.id] });
    const seen = owner.messageAdded(group.id, { afterSeq: 0 });
    // Six commands at once from two people: the bot's own limit allows three answers per two seconds.
    await Promise.all([
      ...[1, 2, 3].map((i) => owner.sendMessage(group.id, `/echo owner ${i}`)),
      ...[1, 2, 3].map((i) => friend.sendMessage(group.id, `/echo friend ${i}`)),
    ]);
    const running = bot;
    const stopped = running.exited.then((code) => Promise.reject(new Error(`the bot exited with ${code}:\n${running.lines.join('\n')}`)));
    const answers: string[] = [];
    while (answers.length < 6) answers.push((await Promise.race([next(seen, (m) => m.sender.id === created.user.id), stopped])).body);
    expect(answers.sort()).toEqual(['friend 1', 'friend 2', 'friend 3', 'owner 1', 'owner 2', 'owner 3']);
    expect(bot.lines.join('\n')).not.toMatch(/stopped/);
    seen.close();
  }, 30_000);
});

describe('the example helper bot with one operation at a time', () => {
  const server = TestParley.forSuite({ MAX_CONCURRENT_OPERATIONS_PER_USER: '1' });
  const clients = Clients.forEachTest();
  let dir: string;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-helper-bot-'));
  });
  afterAll(async () => {
    await bot?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits out RATE_LIMITED on /stats too, when several chats ask at once', async () => {
    const { client: owner } = clients.add(await signedUp(server.url));
    const created = await owner.createBot({ username: uniqueName('helper') });
    bot = new BotProcess({ PARLEY_URL: server.url, PARLEY_BOT_TOKEN: created.token, HELPER_BOT_STATE: join(dir, 'state.json') });
    await bot.waitForLine(/is listening in 0 chats/);
    const groups = [];
    for (let i = 1; i <= 10; i++) groups.push(await owner.createGroupChat({ title: `Stats ${i}`, memberIds: [created.user.id] }));
    const streams = groups.map((g) => owner.messageAdded(g.id, { afterSeq: 0 }));
    // Ten chats ask in quick succession (one of the owner's operations at a time, too): the bot answers in each at the same time.
    for (const g of groups) await owner.sendMessage(g.id, '/stats');
    const running = bot;
    const stopped = running.exited.then((code) => Promise.reject(new Error(`the bot exited with ${code}:\n${running.lines.join('\n')}`)));
    for (const stream of streams) {
      const answer = await Promise.race([next(stream, (m) => m.sender.id === created.user.id), stopped]);
      expect(answer.body).toMatch(/^No statistics/);
      stream.close();
    }
  }, 30_000);
});

describe('the example helper bot in more chats than a socket has subscriptions', () => {
  // Three operations per socket (100 by default): the bot is in more chats than that.
  const server = TestParley.forSuite({ MAX_SUBSCRIPTIONS_PER_SOCKET: '3' });
  const clients = Clients.forEachTest();
  let dir: string;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-helper-bot-'));
  });
  afterAll(async () => {
    await bot?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers in every chat, however many, instead of stopping', async () => {
    const { client: owner } = clients.add(await signedUp(server.url));
    const created = await owner.createBot({ username: uniqueName('helper') });
    // At most two chats answered at once: with chatUpdated, the socket's three.
    const env = { PARLEY_URL: server.url, PARLEY_BOT_TOKEN: created.token, HELPER_BOT_STATE: join(dir, 'state.json'), HELPER_BOT_STREAMS: '2' };
    // Four chats before it starts, four more while it runs.
    const groups = [];
    for (let i = 1; i <= 4; i++) groups.push(await owner.createGroupChat({ title: `Many ${i}`, memberIds: [created.user.id] }));
    for (const g of groups) await owner.sendMessage(g.id, `/echo before ${g.title}`);
    bot = new BotProcess(env);
    await bot.waitForLine(/is listening in 4 chats/);
    for (let i = 5; i <= 8; i++) groups.push(await owner.createGroupChat({ title: `Many ${i}`, memberIds: [created.user.id] }));
    for (const g of groups.slice(4)) await owner.sendMessage(g.id, `/echo after ${g.title}`);
    const running = bot;
    const stopped = running.exited.then((code) => Promise.reject(new Error(`the bot exited with ${code}:\n${running.lines.join('\n')}`)));
    for (const [i, g] of groups.entries()) {
      const seen = owner.messageAdded(g.id, { afterSeq: 0 });
      const answer = await Promise.race([next(seen, (m) => m.sender.id === created.user.id), stopped]);
      expect(answer.body).toBe(`${i < 4 ? 'before' : 'after'} ${g.title}`);
      seen.close();
    }
    // Idle chats hold nothing open: a command in an old chat is still answered.
    const seen = owner.messageAdded(groups[0]!.id, { afterSeq: 0 });
    await owner.sendMessage(groups[0]!.id, '/echo again');
    const answers: string[] = [];
    while (!answers.includes('again')) answers.push((await Promise.race([next(seen, (m) => m.sender.id === created.user.id), stopped])).body);
    seen.close();
  }, 30_000);
});
