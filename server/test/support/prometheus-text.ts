/*
 * A strict reader of the Prometheus text exposition format (version 0.0.4),
 * for tests: every line must be a HELP, a TYPE, a comment, blank, or a sample
 * of a family declared by an earlier TYPE line (histograms through their
 * _bucket, _sum and _count series). Anything else throws with the line.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as written (`…_bucket` for a histogram bucket). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Go's strconv.ParseFloat, which Prometheus reads values with, takes NaN and
 * Inf in any case; prom-client writes `Nan` (a fresh event-loop histogram's mean).
 */
function parseValue(text: string, line: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a sample value: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` starting at `text[0] === '{'`: the labels and where the block ends. */
function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  const fail = (why: string): never => {
    throw new Error(`${why} in ${JSON.stringify(line)}`);
  };
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} twice`);
    if (text[eq + 1] !== '"') fail('label value not quoted');
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const escaped = text[++j];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else fail(`bad escape \\${escaped}`);
      } else value += text[j];
    }
    if (j >= text.length) fail('unterminated label value');
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected , or } after a label');
  }
}

/** The family a sample series belongs to, given the families declared so far. */
function familyOf(series: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(series);
  if (direct) return direct;
  const suffix = /_(bucket|sum|count)$/.exec(series);
  if (!suffix) return undefined;
  const base = families.get(series.slice(0, -suffix[0].length));
  if (base?.type === 'histogram') return base;
  if (base?.type === 'summary' && suffix[1] !== 'bucket') return base;
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, kind, name, rest] = meta;
      if (!NAME.test(name)) throw new Error(`bad metric name in ${JSON.stringify(line)}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`second HELP for ${name}`);
        helps.set(name, rest);
        continue;
      }
      if (!TYPES.has(rest as MetricType)) throw new Error(`bad type in ${JSON.stringify(line)}`);
      if (families.has(name)) throw new Error(`second TYPE for ${name}`);
      families.set(name, { name, type: rest as MetricType, help: '', samples: [] });
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const series = nameMatch[0];
    let rest = line.slice(series.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const fields = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    if (fields.length === 2 && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp in ${JSON.stringify(line)}`);
    const family = familyOf(series, families);
    if (!family) throw new Error(`sample ${series} before (or without) a TYPE line for its family`);
    if (family.type === 'histogram' && series.endsWith('_bucket') && !('le' in labels)) throw new Error(`bucket without le: ${JSON.stringify(line)}`);
    family.samples.push({ name: series, labels, value: parseValue(fields[0], line) });
  }
  for (const [name, help] of helps) {
    const family = families.get(name);
    if (family) family.help = help;
  }
  return families;
}

/** A sample's value, or 0 when the series does not exist yet (lazily created series start at 0). */
export function valueOf(families: Map<string, Family>, series: string, labels: Record<string, string> = {}): number {
  const family = familyOf(series, families);
  if (!family) throw new Error(`no family for ${series}`);
  const sample = family.samples.find((s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value ?? 0;
}

/** The sum of a series over every label set matching `labels`. */
export function sumOf(families: Map<string, Family>, series: string, labels: Record<string, string> = {}): number {
  const family = familyOf(series, families);
  if (!family) throw new Error(`no family for ${series}`);
  return family.samples
    .filter((s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** Fetches and parses a /metrics endpoint, checking its status and content type. */
export async function scrape(url: string): Promise<Map<string, Family>> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^text\/plain; version=0\.0\.4\b/.test(type)) throw new Error(`${url} answered content-type ${type}`);
  return parsePrometheusText(await response.text());
}
