import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend.ts';
import type { PolicyConfig } from './config.ts';
import { jobGradients, type GradientJob } from './gradient-job.ts';
import { Policy } from './policy.ts';

// One gradient worker: holds a replica of the policy, takes weights and jobs from the leader and
// answers each job with its loss and gradients (flat float32 arrays in parameter order).
type Inbound =
  | { type: 'init'; config: PolicyConfig; backend: string }
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'job'; id: number; job: GradientJob };

let policy: Policy | undefined;
const port = parentPort!;

port.on('message', async (message: Inbound) => {
  try {
    if (message.type === 'init') {
      await initBackend(message.backend);
      policy = new Policy(message.config);
      port.postMessage({ type: 'ready' });
    } else if (message.type === 'weights') {
      const vars = policy!.variables();
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(message.values[i]!, v.shape))));
    } else {
      const { value, grads, stats } = jobGradients(policy!, message.job);
      const names = [...policy!.params.keys()];
      const flat = names.map((n) => {
        const g = grads.get(n);
        return g ? (g.dataSync() as Float32Array).slice() : new Float32Array(policy!.p(n).size);
      });
      tf.dispose([...grads.values()]);
      port.postMessage({ type: 'gradients', id: message.id, loss: value, stats, grads: flat }, flat.map((f) => f.buffer));
    }
  } catch (error) {
    port.postMessage({ type: 'error', message: (error as Error).stack ?? String(error) });
  }
});
