import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { METRICS_PATH, PERSISTER_METRICS_PORT } from '../../src/observability/metrics-server.js';
import { sendAndDeliver } from '../support/metrics-traffic.js';
import type { Family } from '../support/prometheus-text.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';

/*
 * No Docker engine runs here, so the observability profile is checked by
 * reading its files: every metric the Parley dashboard queries exists on a
 * real Parley that has sent and delivered a message (series created on first
 * use included), every Parley metric has a panel, and docker-compose.yml,
 * the Prometheus configuration and Grafana's provisioning name the same
 * files, services and ports.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const yamlOf = (path: string): any => parseYaml(read(path), { merge: true });

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(read('ops/grafana/dashboards/parley.json')) as { uid: string; panels: Panel[] };
const panels = dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));

/** PromQL keywords that read like metric names. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless']);

/** The metric names a PromQL expression selects: functions, label matchers, ranges, grouping labels and strings left out. */
function metricNamesOf(expr: string): string[] {
  let text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  text = text.replace(/\{[^}]*\}/g, ' ');
  text = text.replace(/\[[^\]]*\]/g, ' ');
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of text.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const isCall = /^\s*\(/.test(text.slice(match.index + word.length));
    if (!isCall && !KEYWORDS.has(word)) names.push(word);
  }
  return names;
}

/** The family a queried series belongs to: itself, or the histogram (or summary) behind _bucket, _sum and _count. */
function familyOf(series: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(series);
  if (direct) return direct;
  const suffix = /_(bucket|sum|count)$/.exec(series);
  const base = suffix ? families.get(series.slice(0, -suffix[0].length)) : undefined;
  if (base?.type === 'histogram' || (base?.type === 'summary' && suffix![1] !== 'bucket')) return base;
  return undefined;
}

describe('the Parley dashboard', () => {
  let server: TestServer;
  let families: Map<string, Family>;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, { CHAT_CREATE_RATE_LIMIT: '1/3600s' });
    ({ during: families } = await sendAndDeliver(server, { refuseAChat: true }));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reads metric names out of PromQL', () => {
    expect(metricNamesOf('histogram_quantile(0.95, sum by (le, operation) (rate(parley_http_request_duration_seconds_bucket[$__rate_interval])))')).toEqual([
      'parley_http_request_duration_seconds_bucket',
    ]);
    expect(metricNamesOf('sum by (outcome) (rate(x_count{outcome!="ok", a=~"b|c"}[5m])) / on (job) group_left y')).toEqual(['x_count', 'y']);
    expect(metricNamesOf('sum(rate(a_sum[1m])) / sum(rate(a_count[1m])) > bool 0.5')).toEqual(['a_sum', 'a_count']);
  });

  it('queries only metrics a running Parley exports, in every panel', () => {
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) {
        const names = metricNamesOf(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) expect(familyOf(name, families), `${panel.title}: ${name} in ${expr}`).toBeDefined();
      }
    }
  });

  it('shows every Parley metric somewhere', () => {
    const shown = new Set(panels.flatMap((p) => p.targets!.flatMap((t) => metricNamesOf(t.expr))).map((name) => familyOf(name, families)?.name));
    const parley = [...families.keys()].filter((name) => name.startsWith('parley_'));
    expect(parley.length).toBeGreaterThan(15);
    for (const name of parley) expect(shown.has(name), name).toBe(true);
  });

  it('reads from the datasource Grafana is provisioned with', () => {
    const { datasources } = yamlOf('ops/grafana/provisioning/datasources/prometheus.yml');
    expect(datasources).toHaveLength(1);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(datasources[0].uid);
      for (const target of panel.targets!) expect(target.datasource?.uid ?? datasources[0].uid).toBe(datasources[0].uid);
    }
  });
});

describe('the observability profile', () => {
  const compose = yamlOf('docker-compose.yml');
  const services = compose.services as Record<string, any>;
  const prometheusConfig = yamlOf('ops/prometheus/prometheus.yml');

  /** `./host/path:/container/path[:ro]` of a service's volumes, as a map from container path to host path (bind mounts only). */
  const bindMounts = (service: string): Map<string, string> =>
    new Map(
      (services[service].volumes as string[])
        .map((volume) => volume.split(':'))
        .filter(([source]) => source.startsWith('./'))
        .map(([source, target]) => [target, source.slice(2)]),
    );
  /** The container port a service publishes `published` on (`127.0.0.1:4001:4000` → 4000 for 4001). */
  const containerPorts = (service: string): number[] => (services[service].ports ?? []).map((p: string) => Number(p.split(':').at(-1)));

  it('runs Prometheus and Grafana only with --profile observability, on 127.0.0.1', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect(services[name]?.profiles, name).toEqual(['observability']);
      for (const port of services[name].ports as string[]) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
    for (const volume of ['prometheus-data', 'grafana-data']) expect(compose.volumes).toHaveProperty(volume);
  });

  it('mounts the Prometheus configuration from the repository where --config.file reads it', () => {
    const mounts = bindMounts('prometheus');
    const configFlag = (services.prometheus.command as string[]).find((arg) => arg.startsWith('--config.file='))!;
    const configPath = configFlag.slice('--config.file='.length);
    expect(mounts.get(configPath)).toBe('ops/prometheus/prometheus.yml');
    for (const source of mounts.values()) expect(existsSync(`${root}${source}`), source).toBe(true);
  });

  it('scrapes both API instances on their API port and every persister on its metrics port', () => {
    const jobs = new Map((prometheusConfig.scrape_configs as any[]).map((job) => [job.job_name, job]));
    const api = jobs.get('parley-api');
    expect(api.metrics_path ?? '/metrics').toBe(METRICS_PATH);
    const targets = (api.static_configs as { targets: string[] }[]).flatMap((c) => c.targets);
    const apiServices = Object.keys(services).filter((name) => /^api-\d+$/.test(name));
    expect(apiServices.length).toBeGreaterThanOrEqual(2);
    expect(targets.map((t) => t.split(':')[0]).sort()).toEqual(apiServices.sort());
    for (const target of targets) {
      const [host, port] = target.split(':');
      // The API serves /metrics on its own port: compose must not move it with METRICS_PORT.
      expect(services[host].environment).not.toHaveProperty('METRICS_PORT');
      expect(containerPorts(host)).toContain(Number(port));
    }

    const persister = jobs.get('parley-persister');
    expect(persister.metrics_path ?? '/metrics').toBe(METRICS_PATH);
    const [sd] = persister.dns_sd_configs as { names: string[]; type: string; port: number }[];
    // A scaled service: its name resolves to every replica.
    expect(sd.names).toEqual(['persister']);
    expect(sd.type).toBe('A');
    expect(services.persister).toBeDefined();
    expect(services.persister.command).toContain('server/dist/workers/persister-main.js');
    expect(Number(services.persister.environment.METRICS_PORT ?? PERSISTER_METRICS_PORT)).toBe(sd.port);
    expect(JSON.stringify(services.persister.healthcheck.test)).toContain(`:${sd.port}/metrics`);
  });

  it('provisions Grafana with that Prometheus and the dashboard from the repository', () => {
    const mounts = bindMounts('grafana');
    expect(mounts.get('/etc/grafana/provisioning')).toBe('ops/grafana/provisioning');
    const { providers } = yamlOf('ops/grafana/provisioning/dashboards/parley.yml');
    expect(providers).toHaveLength(1);
    expect(providers[0].type).toBe('file');
    const dashboardsDir = providers[0].options.path as string;
    expect(mounts.get(dashboardsDir)).toBe('ops/grafana/dashboards');
    expect(existsSync(`${root}${mounts.get(dashboardsDir)}/parley.json`)).toBe(true);
    expect(services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboardsDir}/parley.json`);

    const { datasources } = yamlOf('ops/grafana/provisioning/datasources/prometheus.yml');
    const url = new URL(datasources[0].url);
    expect(datasources[0].type).toBe('prometheus');
    expect(services).toHaveProperty(url.hostname);
    expect(containerPorts(url.hostname)).toContain(Number(url.port));
    expect(services.grafana.depends_on).toContain(url.hostname);
    for (const source of mounts.values()) expect(existsSync(`${root}${source}`), source).toBe(true);
  });
});
