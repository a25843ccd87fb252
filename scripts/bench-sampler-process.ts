// One process of `saturn bench bus`'s compute ceiling: the rollout actor's sampling work (4
// questions × 16 continuations, KV cache) with no bus at all, started at a given wall-clock time
// so that several processes overlap. Prints {tokens, seconds} as JSON.
// Usage: node --import tsx scripts/bench-sampler-process.ts <checkpoint> <start epoch ms> <calls>
import { readFile } from 'node:fs/promises';
import { initBackend } from '../src/backend.ts';
import { questionContext } from '../src/evaluate/rollouts.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { sampleWithCache } from '../src/model/sample.ts';
import { resolveTask } from '../src/tasks/index.ts';
import { mulberry32 } from '../src/tasks/rng.ts';

const [checkpoint, startAt, calls] = process.argv.slice(2);
await initBackend('wasm');
const { policy } = loadCheckpoint(await readFile(checkpoint!));
const task = resolveTask('arithmetic');
const contexts = task.generate('easy', 4, 99).flatMap((q) => Array.from({ length: 16 }, () => questionContext(task, q).ids));
const sample = (seed: number) => sampleWithCache(policy, contexts, { temperature: 1, topP: 1, maxTokens: 32, stopToken: -1, rng: mulberry32(seed) });
sample(0); // warm-up: allocations and kernel setup
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5));
const started = performance.now();
for (let i = 1; i <= Number(calls); i++) sample(i);
process.stdout.write(JSON.stringify({ tokens: Number(calls) * contexts.length * 32, seconds: (performance.now() - started) / 1000 }) + '\n');
