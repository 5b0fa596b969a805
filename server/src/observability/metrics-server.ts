import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from './metrics.js';

export const METRICS_PATH = '/metrics';

/**
 * Where `npm run persister` serves /metrics when METRICS_PORT is unset: the
 * port OpenTelemetry's Prometheus exporter made customary, free of Parley's 4000.
 */
export const PERSISTER_METRICS_PORT = 9464;

/** Answers a scrape: GET (or HEAD) with the Prometheus text format; anything else 405. */
export async function serveMetrics(metrics: MetricsSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    return;
  }
  const text = await metrics.exposition();
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

export interface MetricsServer {
  port: number;
  /** Where a scraper on this machine reaches it. */
  url: string;
  close(): Promise<void>;
}

/**
 * /metrics on a port of its own (METRICS_PORT, and always for the persister;
 * with WORKERS>1 the primary's, serving every worker's figures),
 * so it can stay on a network only Prometheus reaches. It serves nothing else.
 */
export async function startMetricsServer(metrics: MetricsSource, port: number, host?: string): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    serveMetrics(metrics, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics could not be collected\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const reachable = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    port: actual,
    url: `http://${reachable}:${actual}${METRICS_PATH}`,
    // Scrapers keep their connection open between scrapes: closing does not wait for them.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
