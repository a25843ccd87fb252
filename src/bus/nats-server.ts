/**
 * A private `nats-server -js` child process: the embedded broker of `saturn up` when no URL is
 * given, and the real server integration tests run against. It listens on its own port with its
 * own store directory, so `restart()` comes back with the same JetStream file store (streams,
 * consumers, KV and objects survive) — the way a crashed broker would come back in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { NatsServerNotFoundError, NatsServerStartError } from './errors.ts';

/** How to start the server. Every field is optional. */
export interface NatsServerOptions {
  /** Client port; a free one is picked when absent. */
  port?: number;
  /** Interface to listen on; loopback unless you mean to serve other machines. */
  host?: string;
  /** JetStream store directory; a fresh temp dir (removed by `dispose()`) when absent. */
  storeDir?: string;
  /** Path of the binary; else `$NATS_SERVER_BIN`, else `nats-server` on PATH or in an sbin. */
  bin?: string;
  /**
   * Token every client must present. It reaches the server through a config file readable by
   * this user only (removed once the server has read it), never its command line: `ps` shows
   * argv to every local user.
   */
  token?: string;
  /** Extra command-line arguments (nothing secret: they show in `ps`). */
  args?: readonly string[];
  /** How long to wait for "Server is ready" before giving up. */
  readyTimeoutMs?: number;
}

// Debian installs nats-server in /usr/sbin, which is not on an ordinary user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
const LOG_LINES = 20;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The path of the nats-server binary; throws {@link NatsServerNotFoundError} when there is none. */
export function findNatsServer(bin = process.env.NATS_SERVER_BIN): string {
  if (bin) {
    if (isExecutable(bin)) return bin;
    throw new NatsServerNotFoundError();
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError();
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A running private nats-server. Start one with {@link NatsServer.start}. */
export class NatsServer {
  #child: ChildProcess | undefined;
  #log: string[] = [];

  private constructor(
    readonly bin: string,
    readonly host: string,
    readonly port: number,
    readonly storeDir: string,
    private readonly ownsStoreDir: boolean,
    private readonly args: readonly string[],
    private readonly readyTimeoutMs: number,
    private readonly token: string | undefined,
  ) {}

  /** Starts a server and resolves once it accepts clients with JetStream enabled. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const bin = findNatsServer(options.bin);
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? (await freePort(host));
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'saturn-nats-'));
    const server = new NatsServer(
      bin,
      host,
      port,
      storeDir,
      options.storeDir === undefined,
      options.args ?? [],
      options.readyTimeoutMs ?? 10_000,
      options.token,
    );
    await server.#spawn();
    return server;
  }

  /** Whether clients must present a token. */
  get authRequired(): boolean {
    return this.token !== undefined;
  }

  /** `nats://host:port`, what clients connect to. */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** True while the process is alive. */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The server's most recent log lines. */
  get log(): string {
    return this.#log.join('\n');
  }

  /** Graceful shutdown (SIGTERM; SIGKILL if it has not exited after 5 s). */
  async stop(): Promise<void> {
    await this.#terminate('SIGTERM', 5_000);
  }

  /** Abrupt death (SIGKILL), as in a crash; the file store keeps what the OS had been given. */
  async kill(): Promise<void> {
    await this.#terminate('SIGKILL', 5_000);
  }

  /** Stops (gracefully) and starts again on the same port with the same store directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Starts a stopped server again on the same port with the same store directory (after {@link stop} or {@link kill}). */
  async startAgain(): Promise<void> {
    if (!this.running) await this.#spawn();
  }

  /** Stops the server and removes its store directory if this object created it. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    this.#log = [];
    const secrets = this.token === undefined ? undefined : writeAuthConfig(this.token);
    const args = ['-js', '-a', this.host, '-p', String(this.port), '-sd', this.storeDir, ...(secrets ? ['-c', secrets.file] : []), ...this.args];
    const child = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    live.add(child);
    installExitHook();
    child.once('exit', () => live.delete(child));

    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => {
        done();
        child.kill('SIGKILL');
        reject(new NatsServerStartError(this.port, `was not ready after ${this.readyTimeoutMs} ms`, this.log));
      }, this.readyTimeoutMs);
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          this.#remember(line);
          // Printed after JetStream has recovered its store and the client listener is open.
          if (line.includes('Server is ready')) {
            done();
            resolve();
          }
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new NatsServerStartError(this.port, `exited during start (${signal ?? `code ${code}`})`, this.log));
      };
      const onError = (err: NodeJS.ErrnoException) => {
        done();
        reject(err.code === 'ENOENT' ? new NatsServerNotFoundError({ cause: err }) : err);
      };
      const done = () => {
        clearTimeout(timer);
        secrets?.remove();
        child.off('exit', onExit);
        child.off('error', onError);
        // Keep reading so the pipe never fills and blocks the server; keep the tail for errors.
        child.stderr?.off('data', onData);
        child.stderr?.on('data', (c: Buffer) => c.toString('utf8').split('\n').forEach((l) => l && this.#remember(l)));
      };
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  async #terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #remember(line: string): void {
    this.#log.push(line);
    if (this.#log.length > LOG_LINES) this.#log.shift();
  }
}

/** A config file holding only the token, in a fresh directory only this user can read. */
function writeAuthConfig(token: string): { file: string; remove(): void } {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) throw new RangeError('token: expected 16 or more characters from [A-Za-z0-9_-]');
  const dir = mkdtempSync(join(tmpdir(), 'saturn-nats-auth-'));
  chmodSync(dir, 0o700);
  const file = join(dir, 'auth.conf');
  writeFileSync(file, `authorization { token: "${token}" }\n`, { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A random token for one run: 32 bytes, URL-safe base64. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// A test runner or CLI that exits without stopping its servers must not leave brokers behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
