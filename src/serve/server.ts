/**
 * `saturn serve`'s HTTP server: saturn's policy behind the OpenAI completions API
 * (`POST /v1/completions`, `GET /v1/models`), so the `openai` rollout engine and any OpenAI client
 * can use it. Requests are answered one at a time: sampling is synchronous and holds the thread.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Tokenizer } from '../tasks/types.ts';
import { complete } from './complete.ts';
import { parseCompletionRequest, RequestError } from './completion-request.ts';
import type { ServedPolicy } from './follow-weights.ts';

/** Largest request body read (a prompt of token ids fits many times over). */
const MAX_BODY_BYTES = 1 << 20;

export interface ServeOptions {
  /** Read at every request: `saturn serve --run` swaps the policy as the run's weights move. */
  served: ServedPolicy;
  tokenizer: Tokenizer;
  /** The name `/v1/models` lists and answers carry. */
  model: string;
  host: string;
  port: number;
  log: Logger;
}

export interface CompletionServer {
  url: string;
  /** Completions answered so far. */
  readonly answered: number;
  close(): Promise<void>;
}

export async function serveCompletions(o: ServeOptions): Promise<CompletionServer> {
  let answered = 0;
  const created = Math.floor(Date.now() / 1000);
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, message: string, param: string | null = null) => send(res, status, { error: { message, type: 'invalid_request_error', param, code: null } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    if (path === '/v1/models' || path === '/health') {
      if (req.method !== 'GET') return fail(res, 405, `${path} takes GET`);
      const version = o.served.held.version;
      return path === '/health' ? send(res, 200, { ok: true }) : send(res, 200, { object: 'list', data: [{ id: o.model, object: 'model', created, owned_by: 'saturn', saturn_policy_version: version }] });
    }
    if (path !== '/v1/completions') return fail(res, 404, `no route ${req.method} ${path}: saturn serve answers POST /v1/completions and GET /v1/models`);
    if (req.method !== 'POST') return fail(res, 405, '/v1/completions takes POST');
    const raw = await readBody(req);
    if (raw === undefined) return fail(res, 413, `body: larger than ${MAX_BODY_BYTES} bytes`, 'body');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      return fail(res, 400, `body: not valid JSON (${(e as Error).message})`, 'body');
    }
    try {
      const { policy, held } = o.served;
      const request = parseCompletionRequest(body, o.tokenizer, policy.config.contextLength);
      if (request.model !== undefined && request.model !== o.model) throw new RequestError('model', `this server serves "${o.model}", not ${JSON.stringify(request.model)}`);
      const answer = complete(policy, o.tokenizer, request);
      answered++;
      // The weights' version rides along, as saturn_policy_version and in system_fingerprint.
      send(res, 200, { id: `cmpl-${created}-${answered}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: o.model, system_fingerprint: `saturn-v${held.version}`, saturn_policy_version: held.version, ...answer });
    } catch (e) {
      if (e instanceof RequestError) return fail(res, 400, e.message, e.param);
      throw e;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.log.error({ err: e }, 'completion failed');
      if (!res.headersSent) fail(res, 500, `internal error: ${(e as Error).message}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    get answered() {
      return answered;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
