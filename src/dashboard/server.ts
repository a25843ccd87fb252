/**
 * The dashboard's HTTP side (node:http, nothing else): `/` the page, `/events` the metrics as
 * Server-Sent Events, `/history` the kept records as a JSON array. It only serves what it is
 * given; where the records come from is the command's business.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SaturnError } from '../errors.ts';

/** What the server serves. */
export interface DashboardRoutes {
  /** The page's HTML. */
  page: string;
  /** The kept records as JSON array text. */
  history(): string;
  /** Takes over an `/events` response whose headers are sent: write the history, then live frames. */
  openEvents(res: ServerResponse): void;
}

/** A listening dashboard server. */
export interface DashboardServer {
  /** `http://host:port/`, with the port actually bound (for `--port 0`). */
  readonly url: string;
  /** Stops listening and cuts every open connection (end the event streams first). */
  close(): Promise<void>;
}

/** The port could not be bound (in use, or a host this machine does not have). */
export class DashboardListenError extends SaturnError {
  override name = 'DashboardListenError';
}

/** Serves `routes` on `host:port` (0 = any free port). Rejects with {@link DashboardListenError}. */
export async function serveDashboard(host: string, port: number, routes: DashboardRoutes): Promise<DashboardServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'only GET\n', { Allow: 'GET' });
    if (path === '/') return send(res, 200, 'text/html', routes.page);
    if (path === '/history') return send(res, 200, 'application/json', routes.history());
    // Browsers ask for it on their own; a 404 would be a console error on every visit.
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (path !== '/events') return send(res, 404, 'text/plain', `not found: ${path}\n`);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
    res.flushHeaders();
    routes.openEvents(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new DashboardListenError(`cannot listen on ${host}:${port} (${e.code ?? e.message}); choose another --port or --host`, { cause: e })),
    );
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A browser holds keep-alive sockets open; without this, close would wait for them.
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}
