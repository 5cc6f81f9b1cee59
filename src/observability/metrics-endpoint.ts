import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { digest, secretMatches } from '../hooks/routes';
import type { Logger } from '../logger';
import type { GatewayMetrics } from './metrics';

/** Serves a request when it is for /metrics; false otherwise. */
export type MetricsRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

function answerEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/**
 * GET /metrics: the instance's metrics in Prometheus's text format. With METRICS_TOKEN, only for
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time); 401 otherwise.
 */
export function metricsRoute(metrics: GatewayMetrics, token: string | undefined, logger: Logger): MetricsRoute {
  const expected = token ? digest(token) : undefined;
  return (req, res) => {
    const url = req.url ?? '';
    if (url !== '/metrics' && !url.startsWith('/metrics?')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answerEmpty(res, 405, { allow: 'GET, HEAD' });
      return true;
    }
    if (expected) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !secretMatches(given, expected)) {
        answerEmpty(res, 401, { 'www-authenticate': 'Bearer' });
        return true;
      }
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        logger.error({ reason: err.message }, 'metrics could not be collected');
        answerEmpty(res, 500);
      },
    );
    return true;
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** /metrics on a port of its own (METRICS_PORT); anything else there is 404. */
export async function startMetricsServer(route: MetricsRoute, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (!route(req, res)) answerEmpty(res, 404);
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections(); // a scraper's keep-alive connection would hold the close
      await closed;
    },
  };
}
