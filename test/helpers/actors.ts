/**
 * Runs saturn actors as real child processes (`bin/saturn.mjs actor <kind>`) against a test's
 * nats-server, with a small run config written to a temp file. Every process is killed after the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { childOfThisProcess } from '../../src/cli/parent-watch.ts';

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

/** A small, fast run for tests: tiny groups and pool, short ack wait, frequent heartbeats. */
export const SMALL_RUN = {
  checkpoint: 'checkpoints/arithmetic.ckpt',
  rollout: { actors: 2, concurrency: 4, maxRows: 256, ackWaitSeconds: 3 },
  selector: { probeQuestions: 16, probeSamples: 32, sweepSamples: 16, sweepBatch: 8, poolTarget: 6 },
  learner: { promptsPerStep: 4, groupSize: 8, minPool: 2, poolWaitSeconds: 3, checkpointEvery: 1, publishEvery: 1, maxStaleness: 2, grpo: { epochs: 1, minibatchSize: 32 } },
  heartbeatSeconds: 0.5,
};

export interface ActorProcess {
  kind: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export function useActors() {
  const procs: ActorProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  });
  return {
    /** Writes `config` (overrides of the defaults) to a temp file and returns its path. */
    configFile(config: object): string {
      const dir = mkdtempSync(join(tmpdir(), 'saturn-run-'));
      const path = join(dir, 'config.json');
      writeFileSync(path, JSON.stringify(config));
      return path;
    },
    start(kind: string, args: string[]): ActorProcess {
      const child = spawn(process.execPath, [BIN, 'actor', kind, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...childOfThisProcess(), SATURN_LOG_LEVEL: 'info' } });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out = (out + d).slice(-200_000)));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const p = { kind, child, exited, output: () => out };
      procs.push(p);
      return p;
    },
  };
}
