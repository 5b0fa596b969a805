/*
 * Tuning constants: the numbers that trade latency, memory and patience
 * against each other and are not read from the environment. Each says why it
 * has its value; numbers that depend on one another are derived here from
 * one another, so that changing one moves the rest. Settings an operator
 * sets are in config.ts; a default both share is named here once.
 */

// The send path.

/** sendMessage answers within this, stored (or durable in the log) or UNAVAILABLE, never left hanging. */
export const SEND_ANSWER_MS = 5_000;
/**
 * An append to Kafka settles within this, acknowledged or UNAVAILABLE; the
 * rest of the request (token, membership, validation, the answer) fits in
 * what is left of SEND_ANSWER_MS.
 */
export const APPEND_DEADLINE_MS = SEND_ANSWER_MS - 500;
/**
 * One request of the write side's Kafka client (a produce, a topic creation)
 * gives up after this: a failed request is known, and reported, before the
 * append's deadline passes.
 */
export const KAFKA_REQUEST_TIMEOUT_MS = APPEND_DEADLINE_MS - 500;
/**
 * How long the persister keeps retrying a batch that lost races to other
 * writers before failing it like an outage: well inside SEND_ANSWER_MS (a
 * sender waits that long with the in-process log), so contention costs a
 * sender time, never an answer. On SQL stores seqs cannot collide at all, and
 * what is left (a duplicate stored by a concurrent writer) settles on the next
 * attempt.
 */
export const CONFLICT_RETRY_BUDGET_MS = SEND_ANSWER_MS - 2_000;
/** Envelopes per persister call, embedded log and Kafka alike: one store transaction each. */
export const PERSIST_BATCH_MAX = 500;
/** Records per Kafka produce request: sends that queued up while one was in flight go out together. */
export const PRODUCE_BATCH_MAX = 500;
/** Kafka refuses a record batch above the topic's max.message.bytes (1 MiB by default); stay well below. */
export const PRODUCE_BATCH_MAX_BYTES = 512 * 1024;

// Readiness and scrapes.

/** /readyz answers within 2 s even when an engine hangs: each probe gets this long, all run at once; the Kafka and MongoDB pings use it as their own deadline too. */
export const READINESS_PROBE_MS = 1_500;
/** How long the primary waits for the workers' figures: longer than an engine probe, which every worker runs at each scrape. */
export const METRICS_COLLECT_TIMEOUT_MS = READINESS_PROBE_MS + 2_500;

// Sockets.

/** A peer that does not answer a close (a refused or silent client, or at shutdown) is cut after this, not ws's 30 s. */
export const SOCKET_CLOSE_TIMEOUT_MS = 5_000;
/**
 * How often every graphql-ws socket is pinged; a peer that misses a pong for
 * as long is dropped. Well under the idle timeouts of common proxies and load
 * balancers (30 s and more), so they never cut a quiet socket.
 */
export const SOCKET_KEEP_ALIVE_MS = 12_000;
/**
 * Unsent bytes a socket may hold before a frame is handed back to graphql-ws
 * only once written: a slow reader then pauses its subscriptions instead of
 * growing its buffer (live events wait in its bounded queue, SUBSCRIBER_BACKLOG_MAX).
 */
export const SOCKET_HIGH_WATER_BYTES = 1024 * 1024;

// Live delivery.

/** How far a subscriber may fall behind before it is cut off and must resume by seq. */
export const SUBSCRIBER_BACKLOG_MAX = 10_000;
/** Stored messages (or changes) read per store query when a stream replays, or fills a hole the bus left. */
export const REPLAY_PAGE = 100;
/** How often an instance tries again to listen to a channel it follows for everyone (presence, bot tokens) after the bus lost it. */
export const RELISTEN_MS = 1_000;

// What a process remembers: each bound keeps memory flat however many users, chats or tokens pass through.

/** Profiles never change once created, so a bounded process-wide cache is always fresh. */
export const USER_CACHE_MAX = 50_000;
/** Verified tokens remembered per process (a token's first use costs an HMAC, later ones a lookup). */
export const VERIFIED_TOKENS_MAX = 10_000;
/** Chats whose members the embedded membership cache holds: every active chat of one embedded instance, a few MiB. */
export const LOCAL_MEMBERSHIP_CHATS_MAX = 10_000;
/** Users remembered for the typing throttle and for ending typing when a socket closes; past it the longest quiet go. */
export const TYPING_USERS_REMEMBERED = 100_000;
/** Latest presence versions remembered to drop overtaken changes; past it the oldest go (a change that old is long settled). */
export const PRESENCE_VERSIONS_REMEMBERED = 100_000;
/** Query texts kept parsed and validated for graphql-ws; sizes in characters. */
export const DOCUMENT_CACHE = {
  // The SDK's largest operation is under 2,000 characters and GraphiQL's introspection about 3,000.
  maxEntryChars: 16 * 1024,
  // About 2 MB of text, a few tens of MB of ASTs: hundreds of distinct operations.
  maxTotalChars: 2 * 1024 * 1024,
};

// Defaults shared by config.ts and the adapters that may be built without it.

/** DATABASE_CONNECT_TIMEOUT_MS: a healthy PostgreSQL connects in milliseconds; a client retrying UNAVAILABLE beats one left hanging. */
export const DATABASE_CONNECT_TIMEOUT_MS = 5_000;
/** DATABASE_STATEMENT_TIMEOUT_MS: every statement on the request path is an indexed lookup or a bounded page; the summary job's aggregate is per day. */
export const DATABASE_STATEMENT_TIMEOUT_MS = 10_000;
/** REDIS_COOLDOWN_MS: after a failed Redis command, membership and rate limits skip Redis this long instead of each waiting for the timeout. */
export const REDIS_COOLDOWN_MS = 5_000;
