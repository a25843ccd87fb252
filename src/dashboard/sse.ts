/**
 * Server-Sent Events for the dashboard: the frame format and the set of open `/events`
 * responses. A viewer that stops reading (a laptop asleep, a hidden tab throttled) is dropped
 * once it falls too far behind instead of buffering the run's metrics in this process; its
 * browser reconnects on its own and gets the history again.
 */

/**
 * One SSE event carrying `json` (which has no raw newlines, so it is a single `data:` line);
 * a named one when `event` is given, else a plain `message`.
 */
export function sseFrame(json: string, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${json}\n\n`;
}

/** What SseClients needs of an HTTP response (a node:http ServerResponse is one). */
export interface SseSink {
  /** False when the chunk was queued behind unsent data. */
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  on(event: 'close' | 'drain', listener: () => void): unknown;
}

/** The open event streams. */
export class SseClients {
  readonly #clients = new Map<SseSink, { blocked: boolean; behind: number }>();

  /** @param maxBehind characters (≈ bytes: the frames are JSON) queued for a client that has stopped reading before it is dropped */
  constructor(readonly maxBehind = 16 * 2 ** 20) {}

  /** Open streams now. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Adds `sink`, writing `initial` (the history) to it first; it is forgotten when it closes.
   * The initial write does not count as falling behind however large it is.
   */
  add(sink: SseSink, initial = ''): void {
    const state = { blocked: false, behind: 0 };
    this.#clients.set(sink, state);
    sink.on('close', () => this.#clients.delete(sink));
    sink.on('drain', () => Object.assign(state, { blocked: false, behind: 0 }));
    if (initial && !sink.write(initial)) state.blocked = true;
  }

  /** Writes `frame` to every open stream, dropping those too far behind. */
  broadcast(frame: string): void {
    for (const [sink, state] of this.#clients) {
      if (state.blocked) {
        state.behind += frame.length;
        if (state.behind > this.maxBehind) {
          this.#clients.delete(sink);
          sink.destroy();
          continue;
        }
      }
      if (!sink.write(frame)) state.blocked = true;
    }
  }

  /** Ends every stream (at shutdown). */
  closeAll(): void {
    for (const sink of this.#clients.keys()) sink.end();
    this.#clients.clear();
  }
}
