/**
 * Rollout actors that come and go: at random pauses, start one more rollout actor process, or
 * take one away — half the time with kill -9 (a crashed machine: its unacked requests come back
 * after the ack wait), half with SIGTERM (a machine taken out of service: it drains). The count
 * stays within [min, max]. Used by `scripts/churn` against a live run and by the cluster fault test.
 */
import { mulberry32, type Rng } from '../src/tasks/rng.ts';

/** A rollout actor process the driver started. */
export interface ChurnActor {
  readonly id: string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

export type ChurnAction = 'add' | 'kill' | 'stop';

export interface ChurnOptions {
  /** Starts a rollout actor with id `id` (an actor id must be unique within a run). */
  spawn(id: string): ChurnActor;
  /** Fewest and most churned actors alive at once. */
  min: number;
  max: number;
  /** Random pause between two actions, ms: uniform in [low, high]. */
  pauseMs: readonly [number, number];
  /** Seeded, so a churn can be replayed. */
  rng?: Rng;
  /** Called with each action as it is taken. */
  onAction?: (action: ChurnAction, id: string, alive: number) => void;
}

/** What the churn did. */
export interface ChurnTally {
  started: number;
  killed: number;
  stopped: number;
  /** Actors stopped gracefully that exited with an error code. */
  unclean: number;
  /**
   * Actors the SIGTERM found still starting (before their stop handler is installed), so the
   * signal's default action ended them: like a kill -9 before they took any work.
   */
  endedStarting: number;
}

/** The next action for `alive` actors within [min, max]: add below min, remove at max, else any. */
export function nextChurnAction(alive: number, min: number, max: number, rng: Rng): ChurnAction {
  const remove: ChurnAction = rng() < 0.5 ? 'kill' : 'stop';
  if (alive < min) return 'add';
  if (alive >= max) return remove;
  return rng() < 0.5 ? 'add' : remove;
}

/** Runs the churn until {@link RolloutChurn.stop}. */
export class RolloutChurn {
  readonly tally: ChurnTally = { started: 0, killed: 0, stopped: 0, unclean: 0, endedStarting: 0 };
  readonly #alive: ChurnActor[] = [];
  readonly #rng: Rng;
  readonly #graceful: Array<Promise<void>> = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(private readonly options: ChurnOptions) {
    if (!(options.min >= 0 && options.max >= Math.max(1, options.min))) throw new RangeError(`churn: expected 0 ≤ min ≤ max and max ≥ 1, got min ${options.min}, max ${options.max}`);
    this.#rng = options.rng ?? mulberry32(Date.now());
  }

  /** Starts `min` actors at once, then acts at random pauses. */
  start(): void {
    this.#running = true;
    while (this.#alive.length < this.options.min) this.#act('add');
    this.#schedule();
  }

  /** Stops acting; the actors still alive keep running (the caller stops them with {@link RolloutChurn.alive}). */
  async stop(): Promise<ChurnTally> {
    this.#running = false;
    clearTimeout(this.#timer);
    await Promise.all(this.#graceful);
    return this.tally;
  }

  /** The churned actors alive right now. */
  get alive(): readonly ChurnActor[] {
    return this.#alive;
  }

  #schedule(): void {
    if (!this.#running) return;
    const [low, high] = this.options.pauseMs;
    this.#timer = setTimeout(() => {
      this.#act(nextChurnAction(this.#alive.length, this.options.min, this.options.max, this.#rng));
      this.#schedule();
    }, low + (high - low) * this.#rng());
  }

  #act(action: ChurnAction): void {
    if (action === 'add') {
      this.tally.started += 1;
      const actor = this.options.spawn(`churn-${this.tally.started}`);
      this.#alive.push(actor);
      // An actor that dies by itself leaves the pool too.
      void actor.exited.then(() => this.#forget(actor));
      this.options.onAction?.(action, actor.id, this.#alive.length);
      return;
    }
    const actor = this.#alive[Math.floor(this.#rng() * this.#alive.length)];
    if (!actor) return;
    this.#forget(actor);
    if (action === 'kill') {
      this.tally.killed += 1;
      actor.kill('SIGKILL');
    } else {
      this.tally.stopped += 1;
      actor.kill('SIGTERM');
      this.#graceful.push(
        actor.exited.then((code) => {
          if (code === null) this.tally.endedStarting += 1;
          else if (code !== 0) this.tally.unclean += 1;
        }),
      );
    }
    this.options.onAction?.(action, actor.id, this.#alive.length);
  }

  #forget(actor: ChurnActor): void {
    const i = this.#alive.indexOf(actor);
    if (i >= 0) this.#alive.splice(i, 1);
  }
}
