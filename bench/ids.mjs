import { createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';

/*
 * Every bench row has a name, and its id is md5(name) read as a uuid: the
 * seeding SQL computes the same ids with md5(text)::uuid, so the SQL, the
 * orchestrator and every client process agree on ids without passing lists
 * around. The run id is part of each name, so ids never repeat across runs
 * (a shared Redis keeps membership caches keyed by chat id).
 */
export function uuidFrom(name) {
  const h = createHash('md5').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const names = {
  user: (runId, i) => `${runId}:user:${i}`,
  room: (runId, r) => `${runId}:room:${r}`,
  sendChat: (runId, t) => `${runId}:send:${t}`,
  fanout: (runId, n) => `${runId}:fanout:${n}`,
  history: (runId) => `${runId}:history`,
  crowd: (runId) => `${runId}:crowd`,
  signalUser: (runId, i) => `${runId}:signal-user:${i}`,
  signalGroup: (runId, g) => `${runId}:signal-group:${g}`,
};

export const userId = (runId, i) => uuidFrom(names.user(runId, i));
export const roomId = (runId, r) => uuidFrom(names.room(runId, r));
export const sendChatId = (runId, t) => uuidFrom(names.sendChat(runId, t));
export const fanoutId = (runId, n) => uuidFrom(names.fanout(runId, n));
export const historyChatId = (runId) => uuidFrom(names.history(runId));
export const crowdChatId = (runId) => uuidFrom(names.crowd(runId));
export const signalUserId = (runId, i) => uuidFrom(names.signalUser(runId, i));
export const signalGroupId = (runId, g) => uuidFrom(names.signalGroup(runId, g));

/** Users per room / per send chat: small groups, as most chats are. */
export const GROUP_SIZE = 10;

/**
 * The typing and presence scenario (scenarios/signals.mjs) has users and
 * chats of its own, so that who shares a chat with whom is exactly this:
 * `watchers` connected users in team groups of 100 (users 0..watchers-1,
 * group = floor(i / 100)); a pacer and a probe who are in every group; and
 * 20 churners per group, who come and go (user firstChurner + c is in group
 * c % groups). Every process derives the same layout from the watcher count.
 */
export const SIGNAL_GROUP_SIZE = 100;
export const SIGNAL_CHURNERS_PER_GROUP = 20;

export function signalLayout(watchers) {
  const groups = Math.ceil(watchers / SIGNAL_GROUP_SIZE);
  const churners = groups * SIGNAL_CHURNERS_PER_GROUP;
  return { watchers, groups, pacer: watchers, probe: watchers + 1, firstChurner: watchers + 2, churners, users: watchers + 2 + churners };
}

/** The group of a watcher or a churner (the pacer and the probe are in all of them). */
export const signalGroupOf = (layout, i) => (i < layout.watchers ? Math.floor(i / SIGNAL_GROUP_SIZE) : (i - layout.firstChurner) % layout.groups);

export const newRunId = () => `b${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
export const newJwtSecret = () => randomBytes(36).toString('base64url');

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The bearer token Parley itself would issue (HS256, iss "parley", sub = user
 * id; see server/src/domain/tokens.ts), signed with the JWT_SECRET the bench
 * gives the server. Logging 5,000 seeded users in would cost 5,000 scrypt
 * hashes (~100 ms each on the server's one core) and measure nothing the
 * bench is about; one real login is checked per run instead.
 */
export function mintToken(secret, uid, nowSeconds = Math.floor(Date.now() / 1000)) {
  const signingInput = `${b64url({ alg: 'HS256' })}.${b64url({ sub: uid, iss: 'parley', iat: nowSeconds, exp: nowSeconds + 86_400 })}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

export const BENCH_PASSWORD = 'bench-password';

/** A password hash in Parley's own format (server/src/domain/passwords.ts), so seeded users can log in. */
export function benchPasswordHash() {
  const params = { N: 2 ** 15, r: 8, p: 1 };
  const salt = randomBytes(16);
  const key = scryptSync(BENCH_PASSWORD.normalize('NFC'), salt, 32, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}
