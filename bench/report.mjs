import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * BENCHMARKS.md is generated from the run's results (the same object that is
 * saved as bench/results/latest.json): every figure in it comes from one run.
 */

const ENGINE_TITLES = { embedded: 'embedded', postgres: 'PostgreSQL + Redis' };

const num = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value) => (value === null || value === undefined ? '–' : `${num(value, value < 10 ? 2 : 1)} ms`);
const ratio = (value) => (value === null || value === undefined || !Number.isFinite(value) ? '–' : `${num(value, 2)}×`);
const speed = (s) => (s ? `${num((s.core0 ?? 0) / 1000)}k / ${num((s.core1 ?? 0) / 1000)}k` : '–');
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (header, rows) => [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
const failed = (figures) => figures && (figures.error || figures.skipped);

function targetRows(results) {
  const engines = Object.keys(results.engines);
  const largest = Math.max(...results.settings.subscribers);
  const baselineSat = results.baseline?.[largest]?.saturate?.deliveriesPerSecond;
  const status = (value, ok, show) => (value === null || value === undefined ? 'not measured' : `${show(value)}: ${ok(value) ? 'met' : '**not met**'}`);
  const perEngine = (fn) => engines.map((e) => (failed(results.engines[e]) ? 'not measured' : fn(results.engines[e], e)));
  const maxHistoryP99 = (figures) => {
    const depths = figures.history?.depths;
    if (!depths) return null;
    return Math.max(...Object.values(depths).map((d) => d.latencyMs.p99 ?? Infinity));
  };
  const crowdCell = (f, pick) => {
    const c = f.crowd;
    if (!c) return 'not measured';
    if (failed(c)) return `failed: ${failed(c)}`;
    return pick(c);
  };
  const crowdScope = (c) => `${num(c.live)} live of ${num(c.connections)}${c.serverWorkers > 1 ? `, WORKERS=${c.serverWorkers}` : ''}`;
  return {
    header: ['target', ...engines.map((e) => ENGINE_TITLES[e] ?? e)],
    rows: [
      [
        `${num(results.settings.crowd)} subscribed connections on one instance, a message reaching all of them: p99 issued → received ≤ 2 s`,
        ...perEngine((f) =>
          crowdCell(f, (c) => {
            // Fewer connections than the target (embedded: what one process holds) cannot meet it.
            const complete = c.connections >= results.settings.crowd && c.live === c.connections && c.received === c.expectedDeliveries;
            const cell = status(c.sentToReceivedMs?.p99, (v) => v <= 2_000 && complete, ms);
            return `${cell} (${crowdScope(c)}; ${num(c.received)}/${num(c.expectedDeliveries)} delivered)`;
          }),
        ),
      ],
      [
        `≤ 10 KiB server memory per idle subscribed connection (at ${num(results.settings.crowd)} connections)`,
        ...perEngine((f) => crowdCell(f, (c) => `${status(c.perConnectionKiB, (v) => v <= 10, (v) => `${num(v, 1)} KiB`)} (${crowdScope(c)})`)),
      ],
      [
        `p99 delivery latency, send issued → received, ≤ 25 ms: ${num(largest)} subscribers at ${results.settings.rate} msg/s`,
        ...perEngine((f) => {
          const r = f.delivery?.[largest]?.rate;
          const cell = status(r?.sentToReceivedMs?.p99, (v) => v <= 25, ms);
          return r && r.accepted < r.sent ? `${cell} (${num(r.sent - r.accepted)} sends not accepted)` : cell;
        }),
      ],
      [
        `≥ 0.9 of the raw ws baseline's deliveries/s at ${num(largest)} subscribers (baseline ${baselineSat ? `${num(baselineSat)}/s` : 'not measured'})`,
        ...perEngine((f) => {
          const v = f.delivery?.[largest]?.saturate?.deliveriesPerSecond;
          return status(v && baselineSat ? v / baselineSat : null, (r) => r >= 0.9, (r) => `${ratio(r)} (${num(v)}/s)`);
        }),
      ],
      [
        `history page p99 ≤ 10 ms at ${num(results.settings.history)} messages, any depth (worst depth)`,
        ...perEngine((f) => status(maxHistoryP99(f), (v) => v <= 10, ms)),
      ],
      [
        '≥ 5,000 accepted sends/s on PostgreSQL + Redis',
        ...perEngine((f, e) =>
          e === 'postgres'
            ? status(f.throughput?.acceptedPerSecond, (v) => v >= 5_000, (v) => `${num(v)}/s`)
            : `${num(f.throughput?.acceptedPerSecond)}/s (the target is for PostgreSQL + Redis)`,
        ),
      ],
      [
        `search p99 ≤ 50 ms at ${num(results.settings.history)} messages (worst of: a rare word, an everyday word, two words, a prefix)`,
        ...perEngine((f) => status(typicalSearchP99(f), (v) => v <= 50, ms)),
      ],
      [
        `typing / presence events delivered per second at ${num(results.settings.signalUsers ?? 1000)} connected users, at saturation (no target: recorded)`,
        ...perEngine((f) => {
          const s = f.signals;
          if (!s) return 'not measured';
          if (failed(s)) return `failed: ${failed(s)}`;
          return `TypingChanged ${num(s.typing?.saturate?.deliveriesPerSecond)}/s, presenceChanged ${num(s.presence?.saturate?.deliveriesPerSecond)}/s`;
        }),
      ],
    ],
  };
}

function throughputSection(results) {
  const rows = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const t = f.throughput;
    if (!t) continue;
    if (failed(t)) rows.push([ENGINE_TITLES[engine], failed(t), '', '', '', '', '', '', '']);
    else
      rows.push([
        ENGINE_TITLES[engine],
        num(t.clients),
        num(t.chats),
        `${num(t.seconds)} s`,
        `**${num(t.acceptedPerSecond)}**`,
        ms(t.latencyMs.p50),
        ms(t.latencyMs.p99),
        Object.keys(t.errors).length ? JSON.stringify(t.errors) : 'none',
        busy(t.busy),
      ]);
  }
  return table(['engine', 'clients', 'chats', 'measured', 'accepted sends/s', 'p50', 'p99', 'errors', BUSY_HEADER], rows);
}

/** Embedded send throughput with PGLITE_FSYNC on (the default) and off, each run in the order it ran. */
function durabilitySection(results) {
  const d = results.engines.embedded?.durability;
  if (!d) return 'Not measured in this run (`--only=durability` on the embedded engine).';
  if (failed(d)) return `Failed: ${failed(d)}`;
  const rows = d.runs.map((t) =>
    failed(t)
      ? [`PGLITE_FSYNC=${t.setting}`, failed(t), '', '', '', '']
      : [
          `PGLITE_FSYNC=${t.setting}${t.setting === 'on' ? ' (default)' : ''}`,
          `**${num(t.acceptedPerSecond)}**`,
          ms(t.latencyMs.p50),
          ms(t.latencyMs.p99),
          Object.keys(t.errors).length ? JSON.stringify(t.errors) : 'none',
          busy(t.busy),
        ],
  );
  const on = d.on?.acceptedPerSecond;
  const off = d.off?.acceptedPerSecond;
  const cost = on && off ? `\n\nMean over the runs: ${num(on)} sends/s with the flush, ${num(off)} without: durability costs ${num((1 - on / off) * 100)}% of embedded send throughput here.` : '';
  return table(['setting (in run order)', 'accepted sends/s', 'p50', 'p99', 'errors', BUSY_HEADER], rows) + cost;
}

/** PostgreSQL + Redis with WORKERS=1 and WORKERS=2, each run in the order it ran, then the means. */
function workersSection(results) {
  const w = results.engines.postgres?.workers;
  if (!w) return 'Not measured in this run (`--only=workers`, PostgreSQL + Redis only).';
  if (failed(w)) return `Failed: ${failed(w)}`;
  const micros = (v) => (v === null || v === undefined ? '–' : `${num(v, v < 10 ? 2 : 1)} µs`);
  const rows = w.runs.map((r) =>
    r.error
      ? [`WORKERS=${r.workers}`, r.cores, `failed: ${r.error}`, '', '', '', '', '', '']
      : [
          `WORKERS=${r.workers}`,
          r.cores,
          failed(r.throughput) ? failed(r.throughput) : `**${num(r.throughput?.acceptedPerSecond)}**`,
          micros(r.throughput?.cpuMicrosPerSend),
          busy(r.throughput?.busy),
          failed(r.saturate) ? failed(r.saturate) : `**${num(r.saturate?.deliveriesPerSecond)}**`,
          num(r.saturate?.acceptedPerSecond),
          micros(r.saturate?.cpuMicrosPerDelivery),
          busy(r.saturate?.busy),
        ],
  );
  const [one, two] = [w[1], w[2]];
  const gain = (a, b) => (a && b ? ratio(b / a) : '–');
  const means =
    one && two
      ? `\n\nMean over the runs: WORKERS=1 ${num(one.acceptedPerSecond)} sends/s and ${num(one.deliveriesPerSecond)} deliveries/s (${micros(one.cpuMicrosPerSend)} CPU per send, ${micros(one.cpuMicrosPerDelivery)} per delivery); WORKERS=2 ${num(two.acceptedPerSecond)} sends/s (${gain(one.acceptedPerSecond, two.acceptedPerSecond)}) and ${num(two.deliveriesPerSecond)} deliveries/s (${gain(one.deliveriesPerSecond, two.deliveriesPerSecond)}) (${micros(two.cpuMicrosPerSend)} CPU per send, ${micros(two.cpuMicrosPerDelivery)} per delivery).`
      : '';
  return (
    table(
      ['setting (in run order)', 'server cores', `sends/s (${num(results.settings.clients)} clients)`, 'CPU per send', `${BUSY_HEADER} (sends)`, `deliveries/s (${num(w.subscribers)} subscribers, saturation)`, 'sends/s at saturation', 'CPU per delivery', `${BUSY_HEADER} (saturation)`],
      rows,
    ) + means
  );
}

function deliveryRows(results, pick) {
  const rows = [];
  const counts = results.settings.subscribers;
  for (const count of counts) {
    const base = results.baseline?.[count];
    if (base) rows.push(pick('ws baseline', count, base, null));
    for (const [engine, f] of Object.entries(results.engines)) {
      const d = f.delivery?.[count];
      if (d) rows.push(pick(ENGINE_TITLES[engine], count, d, base));
    }
  }
  return rows.filter(Boolean);
}

/** Cores used during the phase: server process, the bench's clients, PostgreSQL + Redis, anything else. */
const busy = (b) =>
  b ? `${num(b.serverProcess, 2)} / ${num(b.clients, 2)} / ${num(b.databases, 2)} / ${b.other > 0.1 ? `**${num(b.other, 2)}**` : num(b.other, 2)}` : '–';
const BUSY_HEADER = 'cores used: server / clients / PG+Redis / other';

function latencySection(results) {
  const rows = deliveryRows(results, (who, count, d, base) => {
    if (failed(d)) return [who, num(count), failed(d), '', '', '', '', '', '', '', ''];
    const r = d.rate;
    if (!r) return null;
    const e = r.sentToReceivedMs;
    const a = r.acceptedToReceivedMs;
    const vs = (mine, theirs) => (base?.rate ? ratio(mine / theirs) : '(baseline)');
    return [
      who,
      num(count),
      `${num(r.accepted)}/${num(r.sent)}`,
      `${num(r.deliveries)} (${num(r.deliveredShare * 100, 1)}%)`,
      `${ms(e.p50)} / ${ms(e.p95)} / **${ms(e.p99)}** / ${ms(e.max)}`,
      vs(e.p99, base?.rate?.sentToReceivedMs.p99),
      `${ms(a.p50)} / **${ms(a.p99)}** / ${ms(a.max)}`,
      vs(a.p99, base?.rate?.acceptedToReceivedMs.p99),
      `${ms(r.sendAcceptedMs.p50)} / ${ms(r.sendAcceptedMs.p99)}`,
      busy(r.busy),
    ];
  });
  return table(
    ['server', 'subscribers', 'accepted/sent', 'deliveries', 'issued→received p50 / p95 / p99 / max', 'p99 ÷ baseline', 'accepted→received p50 / p99 / max', 'p99 ÷ baseline', 'send answered p50 / p99', BUSY_HEADER],
    rows,
  );
}

function saturationSection(results) {
  const rows = deliveryRows(results, (who, count, d, base) => {
    if (failed(d)) return [who, num(count), failed(d), '', '', '', '', '', ''];
    const s = d.saturate;
    if (!s) return null;
    const vsBase = base?.saturate?.deliveriesPerSecond ? s.deliveriesPerSecond / base.saturate.deliveriesPerSecond : null;
    return [
      who,
      num(count),
      num(s.acceptedPerSecond),
      `**${num(s.deliveriesPerSecond)}**`,
      base ? ratio(vsBase) : '(baseline)',
      `${ms(s.sentToReceivedMs.p50)} / ${ms(s.sentToReceivedMs.p99)}`,
      `${num(s.deliveredShare * 100, 1)}%`,
      `${s.window} / ${s.concurrency}`,
      busy(s.busy),
    ];
  });
  return table(['server', 'subscribers', 'sends/s', 'deliveries/s', '÷ baseline', 'issued→received p50 / p99', 'delivered', 'window / concurrency', BUSY_HEADER], rows);
}

function connectionsSection(results) {
  const rows = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const c = f.connections;
    if (!c) continue;
    if (failed(c)) rows.push([ENGINE_TITLES[engine], failed(c), '', '', '', '', '', '', '', '']);
    else
      rows.push([
        ENGINE_TITLES[engine],
        `${num(c.live)}/${num(c.connections)}`,
        `${num(c.connectAllSeconds, 1)} s`,
        `${num(c.connectionsPerSecond)}/s`,
        `${num(c.rssBeforeMiB, 1)} MiB`,
        `${num(c.rssAfterMiB, 1)} MiB`,
        `**${num(c.perConnectionKiB, 1)} KiB**`,
        `${num(c.marginalPerConnectionKiB, 1)} KiB`,
        `${num(c.rssAfterCloseMiB, 1)} MiB`,
        c.goingOffline ? `${num(c.goingOffline.seconds, 1)} s (server ${num(c.goingOffline.busy?.serverProcess, 2)} cores busy)` : '–',
      ]);
  }
  return table(
    ['engine', 'live subscriptions', 'time to connect all', 'rate', 'server RSS before', 'RSS with all connected', 'per connection (average)', 'per connection (second half)', 'RSS after they closed', 'taking them offline after the grace'],
    rows,
  );
}

function crowdSection(results) {
  const rows = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const c = f.crowd;
    if (!c) continue;
    if (failed(c)) {
      rows.push([ENGINE_TITLES[engine], failed(c), '', '', '', '', '', '', '', '']);
      continue;
    }
    const l = c.sentToReceivedMs;
    rows.push([
      ENGINE_TITLES[engine],
      `${c.serverWorkers ?? 1}`,
      `${num(c.live)}/${num(c.connections)}`,
      `${num(c.connectSeconds, 1)} s (${num(c.connectionsPerSecond)}/s)`,
      `${num(c.rssBeforeMiB, 1)} → ${num(c.rssIdleMiB, 1)} MiB`,
      `**${num(c.perConnectionKiB, 1)} KiB**`,
      `${num(c.received)}/${num(c.expectedDeliveries)}`,
      `${ms(l.p50)} / **${ms(l.p99)}** / ${ms(l.max)}`,
      c.reachAllMs.map((v) => (v === null ? 'not all' : ms(v))).join(', '),
      busy(c.busyConnecting),
      c.busyIdle ? `${num(c.busyIdle.serverProcess, 2)} server / ${num(c.busyIdle.databases, 2)} PG+Redis` : '–',
    ]);
  }
  return table(
    ['engine', 'WORKERS', 'live subscriptions', 'time to connect all', 'server RSS idle → all connected', 'per connection', 'deliveries', 'issued→received p50 / p99 / max', 'each message reached the last connection after', `${BUSY_HEADER} (connecting)`, 'cores used while all sat idle'],
    rows,
  );
}

function historySection(results) {
  const rows = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const h = f.history;
    if (!h) continue;
    if (failed(h)) {
      rows.push([ENGINE_TITLES[engine], failed(h), '', '', '', '', '', '', '']);
      continue;
    }
    for (const [depth, d] of Object.entries(h.depths)) {
      rows.push([
        ENGINE_TITLES[engine],
        depth,
        num(d.latencyMs.count),
        ms(d.latencyMs.p50),
        ms(d.latencyMs.p95),
        `**${ms(d.latencyMs.p99)}**`,
        (d.slowestMs ?? []).map((v) => num(v, 1)).join(', '),
        num(d.wrongAnswers),
        depth === 'newest' ? busy(h.busy) : '',
      ]);
    }
  }
  return table(['engine', 'page (last: 50, before: …)', 'requests', 'p50', 'p95', 'p99', 'slowest five (ms)', 'wrong answers', BUSY_HEADER], rows);
}

const TYPICAL_SEARCHES = ['rare word', 'everyday word', 'two words', 'prefix'];

/** The worst p99 of what people typically search (the commonest word alone is reported apart). */
function typicalSearchP99(figures) {
  const kinds = figures.search?.kinds;
  if (!kinds) return null;
  return Math.max(...TYPICAL_SEARCHES.map((k) => kinds[k]?.latencyMs?.p99 ?? Infinity));
}

function searchSection(results) {
  const rows = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const s = f.search;
    if (!s) continue;
    if (failed(s)) {
      rows.push([ENGINE_TITLES[engine], failed(s), '', '', '', '', '', '', '']);
      continue;
    }
    for (const [kind, k] of Object.entries(s.kinds)) {
      rows.push([
        ENGINE_TITLES[engine],
        kind,
        num(k.latencyMs.count),
        num(k.meanHits, 1),
        ms(k.latencyMs.p50),
        ms(k.latencyMs.p95),
        `**${ms(k.latencyMs.p99)}**`,
        num(k.wrongAnswers),
        kind === 'rare word' ? busy(s.busy) : '',
      ]);
    }
  }
  return table(['engine', 'query', 'requests', 'results per page', 'p50', 'p95', 'p99', 'wrong answers', BUSY_HEADER], rows);
}

function signalsSection(results) {
  const rows = [];
  const both = (a, b) => `${ms(a?.p50)} / **${ms(a?.p99)}**${b ? ` · ${ms(b.p50)} / **${ms(b.p99)}**` : ''}`;
  for (const [engine, f] of Object.entries(results.engines)) {
    const s = f.signals;
    if (!s) continue;
    if (failed(s)) {
      rows.push([ENGINE_TITLES[engine], failed(s), '', '', '', '', '', '', '']);
      continue;
    }
    for (const [kind, mode, title] of [
      ['typing', 'rate', 'typing, fixed rate'],
      ['typing', 'saturate', 'typing, saturation'],
      ['presence', 'rate', 'presence, fixed rate'],
      ['presence', 'saturate', 'presence, saturation'],
    ]) {
      const p = s[kind]?.[mode];
      if (!p) continue;
      if (failed(p)) {
        rows.push([ENGINE_TITLES[engine], title, failed(p), '', '', '', '', '', '']);
        continue;
      }
      rows.push([
        ENGINE_TITLES[engine],
        title,
        mode === 'rate' ? `${num(p.offeredPerSecond)}/s by ${num(p.activeUsers)} users` : `${num(p.activeUsers)} users${p.window ? `, window ${p.window}` : ''}`,
        num(p.signalsPerSecond),
        `**${num(p.deliveriesPerSecond)}**`,
        `${num(p.deliveries)} (${num(p.deliveredShare * 100, 1)}%)`,
        kind === 'typing' ? both(p.latencyMs) : both(p.onMs, p.offMs),
        `${ms(p.answeredMs.p50)} / ${ms(p.answeredMs.p99)}`,
        busy(p.busy),
      ]);
    }
  }
  if (rows.length === 0) return 'Not measured in this run (`--only=signals`).';
  return table(
    ['engine', 'phase', 'load', 'signals/s', 'events delivered/s', 'delivered', 'latency p50 / p99 (typing: issued → received; presence: connect → ONLINE · close → OFFLINE)', 'answered p50 / p99', BUSY_HEADER],
    rows,
  );
}

/** One sentence: where the busy time went, by the packages on the stack and the top functions. */
function headline(w) {
  const groups = [
    ['GraphQL execution (graphql, type-graphql)', ['graphql', 'type-graphql']],
    ['graphql-ws', ['graphql-ws']],
    ['Apollo Server', ['@apollo/server']],
    ['PGlite', ['@electric-sql/pglite', 'wasm (PGlite)']],
    ['MikroORM + Kysely', ['@mikro-orm/core', '@mikro-orm/sql', '@mikro-orm/postgresql', 'kysely']],
    ['Redis client', ['ioredis', 'graphql-redis-subscriptions']],
    ['JWT (jose)', ['jose']],
  ];
  const share = (names) => Math.max(0, ...(w.inclusivePackages ?? []).filter((p) => names.includes(p.name)).map((p) => p.shareOfBusy));
  const parts = groups
    .map(([label, names]) => [label, share(names)])
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([label, v]) => `${label} ${num(v * 100)}%`);
  const top = w.topFunctions.slice(0, 3).map((f) => `\`${f.name.replace(/ \S*:\d+$/, '')}\` ${num(f.shareOfBusy * 100)}%`);
  return `On the stack: ${parts.join(', ') || 'no single package above 5%'}. Top self time: ${top.join(', ')}.`;
}

function profileSection(results) {
  const parts = [];
  for (const [engine, f] of Object.entries(results.engines)) {
    const p = f.profile;
    if (!p) continue;
    if (failed(p)) {
      parts.push(`### ${ENGINE_TITLES[engine]}\n\nProfiling failed: ${failed(p)}`);
      continue;
    }
    parts.push(`### ${ENGINE_TITLES[engine]} (\`${p.file}\`)`);
    for (const [scenario, title] of [
      ['throughput', `send throughput, ${results.settings.clients} clients`],
      ['saturation', `delivery at saturation, ${num(p.subscribers)} subscribers`],
      ['history', 'history pages (one request at a time)'],
    ]) {
      const w = p[scenario];
      if (!w) continue;
      parts.push(
        `**${title}**: ${num(w.windowMs)} ms window, server core busy ${num(w.busyShare * 100, 0)}% of it. ${headline(w)}\n\n` +
          table(
            ['package', 'self ms', 'self share', 'on the stack (inclusive) share'],
            w.topPackages.slice(0, 10).map((x) => {
              const inc = w.inclusivePackages?.find((y) => y.name === x.name);
              return [x.name, num(x.ms), `${num(x.shareOfBusy * 100, 1)}%`, inc ? `${num(inc.shareOfBusy * 100, 1)}%` : '–'];
            }),
          ) +
          '\n\n' +
          table(['self time by function', 'ms', 'share of busy'], w.topFunctions.slice(0, 12).map((x) => [`\`${x.name}\``, num(x.ms), `${num(x.shareOfBusy * 100, 1)}%`])),
      );
    }
  }
  return parts.join('\n\n');
}

function problemsSection(results) {
  const lines = [];
  const visit = (where, value) => {
    if (!value || typeof value !== 'object') return;
    if (value.error) lines.push(`- ${where}: failed: ${value.error}`);
    if (value.skipped) lines.push(`- ${where}: skipped: ${value.skipped}`);
    for (const key of ['gaps', 'duplicates', 'unreadable', 'subscriptionsEnded', 'wrongAnswers', 'repeats', 'unmatched', 'stalls']) {
      if (value[key]) lines.push(`- ${where}: ${key} ${value[key]}${value.endReasons ? ` (${JSON.stringify(value.endReasons)})` : ''}`);
    }
    if (value.sendErrors && Object.keys(value.sendErrors).length) lines.push(`- ${where}: send errors ${JSON.stringify(value.sendErrors)}`);
    if (value.failures?.length) lines.push(`- ${where}: connection failures ${JSON.stringify(value.failures).slice(0, 300)}`);
    for (const [key, child] of Object.entries(value)) if (child && typeof child === 'object' && !Array.isArray(child)) visit(`${where} › ${key}`, child);
  };
  visit('baseline', results.baseline);
  for (const [engine, f] of Object.entries(results.engines)) visit(ENGINE_TITLES[engine], f);
  return lines.length ? lines.join('\n') : 'None: every subscriber received every accepted message in seq order, every history page was right.';
}

export function renderMarkdown(results, notes = '') {
  const m = results.machine;
  const s = results.settings;
  const engines = Object.entries(results.engines)
    .map(([e, f]) => `${ENGINE_TITLES[e]}: ${f.skipped ? `skipped (${f.skipped})` : f.label}`)
    .join('; ');
  const targets = targetRows(results);
  const signalsGrace = Object.values(results.engines).find((f) => f.signals?.graceMs)?.signals.graceMs ?? '–';
  return `# Benchmarks

Generated by \`npm run bench\` (code in [\`bench/\`](bench/)); every figure below
comes from the one run described here, and the same figures are in
[\`bench/results/latest.json\`](bench/results/latest.json). Benchmarks are not
tests: nothing here is asserted by \`npm test\`.

## The run

${table(['', ''], [
  ['CPU', m.cpuModel],
  ['cores', `${m.cores}`],
  ['memory', `${m.memoryGiB} GiB`],
  ['Node', m.node],
  ['OS', `${m.os}, Linux ${m.kernel}`],
  ['command', `\`${results.command}\``],
  ['date', results.date],
  ['server', `\`${results.server ?? 'server/dist/main.js'}\``],
  ['wall time', `${Math.floor(results.wallSeconds / 60)} min ${results.wallSeconds % 60} s`],
  ['cores split', results.coreSplit.text],
  ['machine speed', m.speedBefore ? `${speed(m.speedBefore)} before the run, ${speed(m.speedAfter)} after (JSON round trips of a message per second on core 0 / core 1, bench/calibrate.mjs: compare runs by it; this virtual machine's speed drifts)` : '–'],
  ['background load', m.backgroundLoad ? `before the run, 2 s sample: core 0 ${num(m.backgroundLoad.core0 * 100)}% busy, core 1 ${num(m.backgroundLoad.core1 * 100)}% busy${Math.max(m.backgroundLoad.core0, m.backgroundLoad.core1) > 0.1 ? ' (**other work was running**)' : ''}` : '–'],
  ['engines', engines],
  ['sizes', `subscribers ${s.subscribers.join(', ')}; ${num(s.connections)} connections; ${num(s.history)} history messages; ${s.clients} send clients for ${s.throughputSeconds} s (+${s.throughputWarmupSeconds} s warm-up); ${s.rate} msg/s for ${s.latencySeconds} s and saturation for ${s.saturationSeconds} s per subscriber count${s.signalUsers ? `; ${num(s.signalUsers)} users for typing and presence, ${s.signalRate}/s at fixed rate, ${s.signalsSeconds} s per phase` : ''}`],
])}

## Targets

${table(targets.header, targets.rows)}

## Send throughput

\`sendMessage\` over HTTP (keep-alive), each client one user sending to its
group chat of 10, one request at a time; sends answered inside the measured
window count.

${throughputSection(results)}

## Embedded durability

The send-throughput load on the embedded engine four times, on a fresh server
each time, in the order on, off, off, on (so a drift of the machine's speed
weighs on both alike): with \`PGLITE_FSYNC=on\` (the default: a send is
answered once its WAL is flushed to disk with a real fsync) and \`=off\`
(commits skip the flush; a power loss can lose the last answered sends). The
in-process log commits the sends that arrive together as one batch, so they
share a flush.

${durabilitySection(results)}

## All cores: WORKERS=1 and WORKERS=2 (PostgreSQL + Redis)

\`WORKERS=N\` runs N API processes behind one port (Node's cluster module,
round-robin). Each setting runs on a fresh server, in the order 1, 2, 2, 1:
the send-throughput load above, then the delivery saturation load with the
largest subscriber count. WORKERS=1 is the server alone on core 0, as
everywhere else in this report; WORKERS=2 is pinned to cores 0 and 1, and
this machine has two, so **its second worker shares core 1 with the
orchestrator and every load generator** (and both cores with PostgreSQL and
Redis): the clients' column shows how much of a core they took from it, and
the WORKERS=2 figures are what two cores give with the load generated on
the same machine, not what a second idle core would. CPU per send and per
delivery is the server's CPU time (with WORKERS=2 the primary's and both
workers', from /proc) over the measured window, divided by the accepted
sends, or by every delivery of the saturation phase (its drain included).

${workersSection(results)}

## Delivery latency (fixed rate)

One group chat, one sender at ${s.rate} messages/s (open loop), N subscribers
over graphql-ws. Two latencies, both from clocks read in the client
processes (one machine, one wall clock):

- **issued → received**: from the moment the sender issued \`sendMessage\` to
  the moment a subscriber process got the message: what the person waiting
  on the other side feels. It includes acceptance, storing and fan-out.
- **accepted → received** (the issue's definition): from the moment the
  sender read the send's answer. It can be below zero when the message
  reaches a subscriber before the sender has read its own answer (the
  in-process log publishes before it acknowledges), and it hides any wait
  before acceptance, so it reads well even when the server falls behind the
  offered rate; "send answered" shows that wait.

The ws baseline server broadcasts the same frame (same fields and body) to
the same number of sockets.

"cores used" (here and below) is CPU time over wall time, from /proc: the
server process, the bench's client processes (all on the load core: near
1.00 means the clients may have been the limit), PostgreSQL + Redis, and
every other process on the machine (in bold above 0.10: someone else's work
competed with the run, so that row is lower than the machine can do).

${latencySection(results)}

## Deliveries at saturation

The same chat with the sender as fast as the server takes it, keeping at most
"window" messages sent but not yet delivered back to its own subscription (so
subscriber queues stay bounded) and at most "concurrency" sends unanswered.
Deliveries per second are counted at the subscribers over the steady part of
the ${s.saturationSeconds} s (the first second is left out).

${saturationSection(results)}

## One chat, every member connected

One group chat with \`--crowd\` members (${num(s.crowd)} here), every one of
them connected at once: one authenticated graphql-ws socket each, subscribed
to the chat's \`messageAdded\` (with \`afterSeq: 0\`; it counts once its
replayed message arrived). The sockets come from
${num(Object.values(results.engines).find((f) => f.crowd?.clientProcesses)?.crowd.clientProcesses ?? 0)} client processes, each from a
source address of its own (127.0.0.2, .3, …: each address has its own
~28,000 ephemeral ports towards the server). Then ${s.crowdMessages ?? '–'} messages are
sent one at a time, each once the server is idle again, and each waited for
until every connection has it; latency runs from the moment \`sendMessage\`
was issued to the moment a client process read the frame, over every
delivery. Memory is the server's VmRSS (summed over its processes) after a
full GC, before the first connection and once all had sat idle for
${num(Object.values(results.engines).find((f) => f.crowd?.idleSeconds)?.crowd.idleSeconds ?? 0)} s after the last went live; the last column is the CPU those idle
seconds took (keep-alive pings every 12 s, the live check every 2 s).

This machine caps a process at ${num(results.machine.openFilesLimit)} open files, and the
bench may not raise the hard limit (the container lacks
\`CAP_SYS_RESOURCE\`); where one process cannot hold every socket, the bench
starts Parley with \`WORKERS\` (PostgreSQL + Redis) **pinned to the server
core**, so the instance still has one core, and embedded mode (one process)
connects as many as one process can hold. Summed RSS counts the pages the
workers share once per worker.

${crowdSection(results)}

## Idle connections

Each connection is a user with a valid token, one graphql-ws socket and one
\`messageAdded\` subscription (to its room of 10, with \`afterSeq: 0\`); it
counts once its replayed message arrived, i.e. the subscription is live.
Memory is the server's VmRSS from \`/proc/<pid>/status\`, read after start-up
settled, after the first half connected and 2 s after the last connection
went live. The average divides the whole growth by the connections; the
second-half figure leaves out one-time costs (compiled code, caches, the
heap's first growth), so it is closer to what one more connection costs.
RSS is what the OS sees: V8 does not hand freed heap pages back at once, so
"after they closed" stays high even when nothing is retained. Each closed
user goes offline once the presence grace (\`PRESENCE_GRACE_MS\`, 5 s) has
passed, all at once; the last column is how long the server then stayed busy
(at least the 0.5 s it takes to see it idle), waited for here so that it does
not land in the next scenario.

${connectionsSection(results)}

## History

\`messages(chatId, last: 50, before: cursor)\` in one chat of
${num(s.history)} messages, one request at a time after 100 warm-up requests;
each answer is checked (50 edges, right seqs).

${historySection(results)}

## Search

\`searchMessages(query, first: 20)\` by a member of the history chat, whose
${num(s.history)} messages each hold eight words of a 20,000-word vocabulary
drawn as natural language draws its words (word k with probability about
1/k: the commonest, w1, is in about four messages in ten). One request at a
time after 20 warm-up requests, 40 different queries per kind: a rare word
(ranks 3,000–12,000), an everyday word (100–1,000), two words (20–200), a
word being typed (a prefix such as \`w123\`, which w1230…w1239 and
w12300… complete) and, apart, the commonest word alone, which makes the
engine rank a large share of every message: the worst case, not the target.
Each answer is checked (no error, enough results, every snippet marked).

${searchSection(results)}

## Typing and presence

${num(s.signalUsers ?? 1000)} connected users, each with one graphql-ws socket holding
\`chatEvents\` of its team group (groups of 100) and \`presenceChanged\`, as an
open app does; a pacer and a probe are in every group, and 20 more members
per group (churners) come and go. On a server of its own started with
\`PRESENCE_GRACE_MS=${signalsGrace}\`, so a close turns into OFFLINE quickly. Each
phase lasts ${s.signalsSeconds ?? '–'} s:

- **typing, fixed rate**: typists (watchers themselves) type for 1.5 s of
  every 4 s (\`setTyping(true)\`, then \`false\`, over HTTP as the SDK
  does); ${s.signalRate ?? '–'} calls a second in all. Each reaches the 99 other watchers
  of the group as \`TypingChanged\`.
- **typing, saturation**: every watcher types, as fast as the server's
  one-start-per-second throttle allows (start, stop when it is answered,
  start again 1.2 s later), with at most "window" signals unseen by the
  pacer and 64 unanswered.
- **presence, fixed rate**: churners are online (a socket open) for 2 s of
  every 4 s; ${s.signalRate ?? '–'} connects + closes a second. Each change reaches the 100
  watchers of the churner's group as \`presenceChanged\`.
- **presence, saturation**: every churner connects, waits until the pacer
  saw it ONLINE, closes, waits until the pacer saw it OFFLINE, again.

Latency runs from the moment the client issued \`setTyping\`, created the
socket or closed it, to the moment a watcher process got the event; OFFLINE
includes the grace. At saturation, latency and events/s count the steady part
after the first second, when everyone starts at once; "answered"
(\`setTyping\`'s answer, or the churner's \`connection_ack\`) includes it. Before connecting, each user asks \`me\` once,
which puts them in the server's user cache, as on a server that has run a
while (a cold cache adds one user lookup to the first signal about each user).

${signalsSection(results)}

## Profile findings

A separate server run under \`node --cpu-prof\` (profile written to
\`bench/results/\`), driven by the same send-throughput, saturation and history loads;
self time is summed per function (name, file, line) and per package, inside
each scenario's time window only.

${profileSection(results)}

${notes ? `${notes.trim()}\n\n` : ''}## Anomalies

${problemsSection(results)}

## How it is measured

- Data is seeded with set-based SQL while Parley is stopped (after a first
  start applied the migrations): users, rooms of 10 for the idle connections,
  chats of 10 for throughput, one chat per subscriber count, and the history
  chat written with one \`insert … select from generate_series\`, its
  \`chats.last_seq\` set to match; then \`analyze\`.
- Clients authenticate with the same HS256 tokens Parley issues, signed with
  the \`JWT_SECRET\` the bench gives the server (one real \`login\` per run
  checks the seeded password and token path); 5,000 scrypt logins would only
  measure scrypt.
- Every load generator is a separate Node process on the load core; the
  server process is alone on its core. The ws baseline runs with Parley
  stopped, on the same core, against the same client processes.
- Parley runs as deployed (\`NODE_ENV=production\`, as the Dockerfile
  sets it), with rate limits off (\`SEND_RATE_LIMIT\`, \`LOGIN_RATE_LIMIT\`,
  \`LOGIN_IP_RATE_LIMIT\`, \`LOGIN_SUCCESS_RATE_LIMIT\`, \`SIGNUP_RATE_LIMIT\` and
  \`CHAT_CREATE_RATE_LIMIT\` all \`off\`).
- Parley runs as \`node --expose-gc --import bench/gc-on-signal.mjs
  server/dist/main.js\`: the preload only lets the bench ask for a full
  garbage collection (SIGUSR2) before each memory reading. The profiled
  server adds \`--cpu-prof\`.
- Before each phase the bench waits until the server is idle (below 5% of
  its core for half a second), so no phase inherits the previous one's
  backlog, and for up to 10 s until other work on the machine has calmed
  down; whatever other work still ran is in the "other" column.
- Subscribers check every delivery's seq: gaps, duplicates and ended
  subscriptions are listed under Anomalies.
`;
}

/**
 * notesFile (bench/notes.md) is written by people, not by the bench: how to
 * read this run, and where the time goes. It is copied in after the profile tables.
 */
export function writeReport(results, { resultsDir, out, defaultOut, notesFile }) {
  // A run with its own --out keeps its JSON beside it, so trying things never overwrites the record.
  const json = out === defaultOut ? join(resultsDir, 'latest.json') : `${out.replace(/\.md$/, '')}.json`;
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const notes = notesFile && existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : '';
  writeFileSync(out, renderMarkdown(results, notes));
  return [out, json];
}
