import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { SaturnError } from '../errors.ts';
import { jobGradients, type GradientJob } from './gradient-job.ts';
import type { Policy } from './policy.ts';

type Reply =
  | { type: 'ready' }
  | { type: 'gradients'; id: number; loss: number; stats: number[]; grads: Float32Array[] }
  | { type: 'error'; message: string };

// Workers run TypeScript through tsx, registered inside the worker (execArgv loaders do not reach it).
const WORKER_URL = new URL('./gradient-worker.ts', import.meta.url).href;
const BOOT = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(WORKER_URL)});`;

/**
 * Data-parallel gradients over worker threads: the wasm backend is single-threaded, so a second
 * core only helps through a second tfjs instance. The leader computes the first shard itself.
 */
export class GradientPool {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: { loss: number; stats: number[]; grads: Float32Array[] }) => void; reject: (e: Error) => void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: Reply) => {
        if (reply.type === 'gradients') {
          this.pending.get(reply.id)?.resolve(reply);
          this.pending.delete(reply.id);
        } else if (reply.type === 'error') {
          for (const p of this.pending.values()) p.reject(new SaturnError(`gradient worker failed: ${reply.message}`));
          this.pending.clear();
        }
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    }
  }

  /** Starts `count` workers with replicas of `policy` (weights copied). count 0 is a valid, serial pool. */
  static async start(policy: Policy, count: number, backend: string): Promise<GradientPool> {
    const workers = Array.from({ length: count }, () => new Worker(BOOT, { eval: true }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: Reply) => {
              if (m.type === 'ready') resolve();
              else if (m.type === 'error') reject(new SaturnError(`gradient worker failed to start: ${m.message}`));
            };
            w.once('message', onMessage);
            w.once('error', reject);
            w.postMessage({ type: 'init', config: policy.config, backend });
          }),
      ),
    );
    const pool = new GradientPool(workers);
    await pool.broadcastWeights(policy);
    return pool;
  }

  /** Number of shards computed at once (workers + this thread). */
  get width(): number {
    return this.workers.length + 1;
  }

  /** Copies the leader's weights to every worker (after each optimiser step). */
  async broadcastWeights(policy: Policy): Promise<void> {
    if (!this.workers.length) return;
    const values = policy.variables().map((v) => (v.dataSync() as Float32Array).slice());
    for (const w of this.workers) w.postMessage({ type: 'weights', values });
  }

  /**
   * Loss, gradients and statistics averaged over jobs by their weights. Job i > 0 goes to worker
   * i − 1; job 0 (and any beyond the workers) runs on this thread while the workers compute.
   */
  async gradients(policy: Policy, jobs: GradientJob[]): Promise<{ loss: number; stats: number[]; grads: Map<string, tf.Tensor> }> {
    const remote = jobs.slice(1, 1 + this.workers.length).map((job, i) => this.send(i, job));
    const local = [jobs[0]!, ...jobs.slice(1 + this.workers.length)].map((job) => ({ job, ...jobGradients(policy, job) }));
    const results = await Promise.all(remote);
    const total = jobs.reduce((a, j) => a + j.weight, 0);
    const names = [...policy.params.keys()];
    const grads = new Map<string, tf.Tensor>();
    let loss = 0;
    tf.tidy(() => {
      for (const [k, name] of names.entries()) {
        const parts: tf.Tensor[] = local.map((l) => tf.mul(l.grads.get(name) ?? tf.zerosLike(policy.p(name)), l.job.weight / total));
        results.forEach((r, i) => parts.push(tf.mul(tf.tensor(r.grads[k]!, policy.p(name).shape), jobs[i + 1]!.weight / total)));
        grads.set(name, tf.keep(tf.addN(parts)));
      }
    });
    for (const l of local) {
      loss += (l.value * l.job.weight) / total;
      tf.dispose([...l.grads.values()]);
    }
    results.forEach((r, i) => (loss += (r.loss * jobs[i + 1]!.weight) / total));
    const stats: number[] = [];
    for (const part of [...local, ...results.map((r, i) => ({ ...r, job: jobs[i + 1]! }))])
      part.stats.forEach((x, k) => (stats[k] = (stats[k] ?? 0) + (x * part.job.weight) / total));
    return { loss, stats, grads };
  }

  private send(worker: number, job: GradientJob): Promise<{ loss: number; stats: number[]; grads: Float32Array[] }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker]!.postMessage({ type: 'job', id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
