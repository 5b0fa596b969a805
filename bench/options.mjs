/*
 * Command-line flags. Defaults make a run of both engines finish within ten
 * minutes on the 2-core bench machine; each flag scales one scenario.
 */
export const SCENARIOS = ['connections', 'crowd', 'throughput', 'durability', 'latency', 'history', 'search', 'signals', 'workers', 'baseline', 'profile'];
const ALIASES = { '100k': 'crowd', delivery: 'latency', saturation: 'latency', fanout: 'latency', typing: 'signals', presence: 'signals', cluster: 'workers' };

const DEFAULTS = {
  only: SCENARIOS.join(','),
  engines: 'embedded,postgres',
  subscribers: '1,100,1000',
  connections: '5000',
  crowd: '100000',
  crowdMessages: '5',
  history: '1000000',
  historyRequests: '200',
  searchRequests: '200',
  duration: '10',
  latencyDuration: '5',
  saturationDuration: '5',
  profileDuration: '5',
  rate: '50',
  clients: '50',
  subscriberProcesses: '2',
  signalUsers: '1000',
  signalRate: '100',
  signalsDuration: '4',
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  out: '',
  keep: 'false',
  server: 'server/dist/main.js',
};

export const USAGE = `node bench/run.mjs [flags]   (npm run bench -- [flags])
  --only=${SCENARIOS.join(',')}   scenarios to run (latency also runs the baseline)
  --engines=embedded,postgres        engines (postgres = PostgreSQL + Redis, skipped when unreachable)
  --subscribers=1,100,1000           subscriber counts for delivery latency and saturation
  --connections=5000                 idle subscribed connections
  --crowd=100000                     connections subscribed to one chat, from several 127.0.0.x source addresses
  --crowd-messages=5                 messages sent to that chat, one at a time, each reaching every connection
  --history=1000000                  messages in the history chat
  --history-requests=200             page requests per depth
  --search-requests=200              searches per kind (search runs over the history chat's messages)
  --duration=10                      send-throughput seconds (after a 2 s warm-up)
  --latency-duration=5               seconds of sending at --rate per subscriber count
  --saturation-duration=5            seconds of sending as fast as possible per subscriber count
  --profile-duration=5               seconds per profiled scenario
  --rate=50                          messages per second in the latency phase
  --clients=50                       concurrent HTTP clients in the throughput scenario
  --subscriber-processes=2           client processes sharing the subscribers (all on the load core)
  --signal-users=1000                connected users in the typing/presence scenario (groups of 100)
  --signal-rate=100                  setTyping calls, and presence connects + closes, per second in its fixed-rate phases
  --signals-duration=4               seconds per typing/presence phase (four phases)
  --postgres-url=URL --redis-url=URL where PostgreSQL (a database is created and dropped) and Redis are
  --out=FILE                         report path (default: BENCHMARKS.md at the repository root; with
                                     another path, the JSON goes beside it instead of results/latest.json)
  --server=PATH                      Parley entry point to run (default server/dist/main.js; e.g. a candidate build)
  --keep                             keep the data directory / database afterwards`;

const camel = (flag) => flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

const positiveInts = (name, text) => {
  const values = text.split(',').filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`--${name} needs non-negative integers, got ${text}`);
  return values;
};

const oneNumber = (name, text, { min = 0 } = {}) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} needs a number >= ${min}, got ${text}`);
  return value;
};

export function parseOptions(argv) {
  const raw = { ...DEFAULTS };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(camel(match[1]) in DEFAULTS)) throw new Error(`unknown flag ${arg}\n\n${USAGE}`);
    raw[camel(match[1])] = match[2] ?? 'true';
  }
  const only = new Set(raw.only.split(',').filter(Boolean).map((s) => ALIASES[s] ?? s));
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; choose from ${SCENARIOS.join(', ')}`);
  if (only.has('latency')) only.add('baseline');
  const engines = raw.engines.split(',').filter(Boolean);
  for (const e of engines) if (!['embedded', 'postgres'].includes(e)) throw new Error(`unknown engine ${e}; choose embedded and/or postgres`);
  return {
    only,
    engines,
    subscribers: positiveInts('subscribers', raw.subscribers).filter((n) => n > 0),
    connections: positiveInts('connections', raw.connections)[0],
    crowd: positiveInts('crowd', raw.crowd)[0],
    crowdMessages: Math.max(1, positiveInts('crowd-messages', raw.crowdMessages)[0]),
    history: positiveInts('history', raw.history)[0],
    historyRequests: Math.max(1, positiveInts('history-requests', raw.historyRequests)[0]),
    searchRequests: Math.max(1, positiveInts('search-requests', raw.searchRequests)[0]),
    durationMs: oneNumber('duration', raw.duration, { min: 1 }) * 1000,
    latencyMs: oneNumber('latency-duration', raw.latencyDuration, { min: 1 }) * 1000,
    saturationMs: oneNumber('saturation-duration', raw.saturationDuration, { min: 1 }) * 1000,
    profileMs: oneNumber('profile-duration', raw.profileDuration, { min: 1 }) * 1000,
    rate: oneNumber('rate', raw.rate, { min: 1 }),
    clients: Math.max(1, positiveInts('clients', raw.clients)[0]),
    subscriberProcesses: Math.max(1, positiveInts('subscriber-processes', raw.subscriberProcesses)[0]),
    signalUsers: Math.max(1, positiveInts('signal-users', raw.signalUsers)[0]),
    signalRate: oneNumber('signal-rate', raw.signalRate, { min: 1 }),
    signalsMs: oneNumber('signals-duration', raw.signalsDuration, { min: 2 }) * 1000,
    postgresUrl: raw.postgresUrl,
    redisUrl: raw.redisUrl,
    out: raw.out,
    keep: raw.keep === 'true',
    server: raw.server,
    argv,
  };
}
