/** Small policies and hand-built rollouts shared by the grpo tests. */
import * as tf from '@tensorflow/tfjs-core';
import { packRollouts, type Rollout, type ScoredRollout } from '../../../src/grpo/index.ts';
import { Policy } from '../../../src/model/policy.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

/**
 * vocab 6, d 8, 1 layer, 2 heads: small enough for finite differences on the cpu backend.
 * `scale` multiplies the randomly initialised weights: at the default init (std 0.02) attention is
 * nearly uniform and its weights get gradients too small to check against finite differences.
 */
export function tinyPolicy(seed = 3, scale = 1): Policy {
  const policy = new Policy({ vocabSize: 6, dModel: 8, nLayers: 1, nHeads: 2, dFf: 16, contextLength: 16, seed });
  if (scale !== 1) {
    for (const [name, v] of policy.params) if (!name.includes('ln') && !/\.b\d*$/.test(name)) v.assign(tf.tidy(() => tf.mul(v, scale)));
  }
  return policy;
}

/** Current log-probs of each rollout's completion tokens under `policy` at `temperature`. */
export function completionLogProbs(policy: Policy, rollouts: readonly ScoredRollout[], temperature = 1): Float32Array[] {
  const packed = packRollouts(rollouts);
  const lp = tf.tidy(() => policy.tokenLogProbs(tf.tensor2d(packed.tokens, [packed.rows, packed.width], 'int32'), temperature));
  const values = lp.dataSync() as Float32Array;
  lp.dispose();
  return rollouts.map((r, row) => values.slice(row * (packed.width - 1) + r.prompt.length - 1, row * (packed.width - 1) + r.prompt.length - 1 + r.completion.length));
}

/**
 * Random prompts (bos + 1..3 tokens) and completions (2..5 tokens) with the given advantages;
 * behaviour log-probs are set so that each token's ratio π/π_behaviour is exp(offset) for the
 * offsets returned (taken in turn from `offsets`).
 */
export function offsetRollouts(
  policy: Policy,
  advantages: readonly number[],
  offsets: readonly number[],
  seed = 11,
  temperature = 1,
): { rollouts: ScoredRollout[]; tokenOffsets: number[][] } {
  const rng = mulberry32(seed);
  const token = () => 1 + Math.floor(rng() * 5);
  const base: ScoredRollout[] = advantages.map((advantage, i) => {
    const prompt = Int32Array.from({ length: 1 + Math.floor(rng() * 3) + 1 }, (_, t) => (t === 0 ? 1 : token()));
    const completion = Int32Array.from({ length: 2 + Math.floor(rng() * 4) }, token);
    return { groupId: `g${i}`, prompt, completion, behaviourLogProbs: new Float32Array(completion.length), reward: 0, policyVersion: 0, advantage };
  });
  const current = completionLogProbs(policy, base, temperature);
  let k = 0;
  const tokenOffsets = base.map((r) => Array.from(r.completion, () => offsets[k++ % offsets.length]!));
  const rollouts = base.map((r, i) => ({ ...r, behaviourLogProbs: Float32Array.from(current[i]!, (c, t) => c - tokenOffsets[i]![t]!) }));
  return { rollouts, tokenOffsets };
}

/** Groups of rollouts with random tokens, rewards and behaviour log-probs near −1.5 (for update tests). */
export function randomRollouts(seed: number, groups: number, perGroup: number, vocab = 6): Rollout[] {
  const rng = mulberry32(seed);
  const out: Rollout[] = [];
  for (let g = 0; g < groups; g++) {
    const prompt = Int32Array.from({ length: 2 + (g % 3) }, (_, t) => (t === 0 ? 1 : 3 + Math.floor(rng() * (vocab - 3))));
    for (let i = 0; i < perGroup; i++) {
      const completion = Int32Array.from({ length: 1 + Math.floor(rng() * 5) }, () => 2 + Math.floor(rng() * (vocab - 2)));
      out.push({
        groupId: `q${g}`,
        prompt,
        completion,
        behaviourLogProbs: Float32Array.from(completion, () => -1.5 - rng()),
        reward: rng() < 0.5 ? 1 : 0,
        policyVersion: 0,
      });
    }
  }
  return out;
}

