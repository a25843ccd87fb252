import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { batchTensors, disposeBatch, grpoConfig, grpoLoss, packRollouts, type GrpoLossConfig, type ScoredRollout } from '../../../src/grpo/index.ts';
import type { Policy } from '../../../src/model/policy.ts';
import { completionLogProbs, offsetRollouts, tinyPolicy } from './fixtures.ts';

// Log-ratio offsets: ±0.6 lands outside the clip range [0.8, 1.4] on either side, ±0.1 and 0.05
// inside it, all far enough from the kinks that finite differences do not straddle one.
const OFFSETS = [0.6, -0.1, -0.6, 0.1, 0.05];
const ADVANTAGES = [1.2, -0.7, 0.5, -1.5, 0.9, -0.3];

beforeAll(async () => {
  await initBackend('cpu'); // exact float32 kernels for finite differences
});

/** Loss and stats as numbers, computed from a batch built for these rollouts. */
function evaluate(policy: Policy, rollouts: ScoredRollout[], config: GrpoLossConfig, reference?: Policy, edit?: (p: ReturnType<typeof packRollouts>) => void) {
  const packed = packRollouts(rollouts);
  edit?.(packed);
  const batch = batchTensors(packed);
  try {
    const out = grpoLoss(policy, batch, config, reference);
    const read = (t?: tf.Scalar) => (t ? t.dataSync()[0]! : NaN);
    const values = { loss: read(out.loss), clipFraction: read(out.clipFraction), approxKl: read(out.approxKl), meanRatio: read(out.meanRatio), referenceKl: read(out.referenceKl) };
    tf.dispose(Object.values(out));
    return values;
  } finally {
    disposeBatch(batch);
  }
}

/** Analytic gradients of the loss by parameter name, as arrays. */
function gradients(policy: Policy, rollouts: ScoredRollout[], config: GrpoLossConfig, reference?: Policy, edit?: (p: ReturnType<typeof packRollouts>) => void): Map<string, Float32Array> {
  const packed = packRollouts(rollouts);
  edit?.(packed);
  const batch = batchTensors(packed);
  const names = [...policy.params.keys()];
  const { value, grads } = tf.variableGrads(() => grpoLoss(policy, batch, config, reference).loss, policy.variables());
  const out = new Map<string, Float32Array>();
  policy.variables().forEach((v, i) => out.set(names[i]!, grads[v.name]!.dataSync() as Float32Array));
  tf.dispose([value, ...Object.values(grads)]);
  disposeBatch(batch);
  return out;
}

/** The loss written out token by token from the current log-probs and the ratio offsets. */
function referenceLoss(rollouts: ScoredRollout[], current: Float32Array[], config: GrpoLossConfig, referenceLogProbs?: Float32Array[]) {
  let sum = 0;
  let clipped = 0;
  let kl = 0;
  let ratios = 0;
  let refKl = 0;
  let n = 0;
  rollouts.forEach((r, i) => {
    for (let t = 0; t < r.completion.length; t++) {
      const logRatio = current[i]![t]! - r.behaviourLogProbs[t]!;
      const ratio = Math.exp(logRatio);
      const a = r.advantage;
      const unclippedTerm = ratio * a;
      const clippedTerm = Math.min(Math.max(ratio, 1 - config.clipLow), 1 + config.clipHigh) * a;
      sum += Math.min(unclippedTerm, clippedTerm);
      if (clippedTerm < unclippedTerm) clipped += 1;
      kl += ratio - 1 - logRatio;
      ratios += ratio;
      if (referenceLogProbs) {
        const d = referenceLogProbs[i]![t]! - current[i]![t]!;
        refKl += Math.exp(d) - d - 1;
      }
      n += 1;
    }
  });
  const referenceKl = refKl / n;
  return { loss: -sum / n + config.klCoef * referenceKl, clipFraction: clipped / n, approxKl: kl / n, meanRatio: ratios / n, referenceKl };
}

/**
 * Finite differences of the loss along the two largest analytic gradient entries of several
 * tensors. Central differences first; the MLP's ReLU makes the loss piecewise smooth, and where
 * a kink lies within h of the point the central estimate averages two slopes, so then the
 * second-order one-sided difference from the kink-free side must match instead (the analytic
 * gradient is the slope of the side the point is on). Most entries must pass centrally.
 */
function checkFiniteDifferences(policy: Policy, rollouts: ScoredRollout[], config: GrpoLossConfig, reference?: Policy) {
  const analytic = gradients(policy, rollouts, config, reference);
  const h = 2e-3;
  const tolerance = 0.02;
  let checked = 0;
  let central = 0;
  for (const name of ['head', 'tok_emb', 'pos_emb', 'h0.wq', 'h0.wk', 'h0.wv', 'h0.wo', 'h0.w1', 'h0.b2', 'h0.ln1.g', 'lnf.g']) {
    const grad = analytic.get(name)!;
    const top = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, 2);
    const param = policy.p(name);
    const original = param.dataSync().slice() as Float32Array;
    for (const index of top) {
      const at = (delta: number) => {
        const values = original.slice();
        values[index] = values[index]! + delta;
        param.assign(tf.tensor(values, param.shape));
        return evaluate(policy, rollouts, config, reference).loss;
      };
      const [f0, fp, fm, fp2, fm2] = [0, h, -h, 2 * h, -2 * h].map(at) as [number, number, number, number, number];
      param.assign(tf.tensor(original, param.shape));
      const g = grad[index]!;
      const error = (numeric: number) => Math.abs(numeric - g) / Math.abs(g);
      const estimates = { central: (fp - fm) / (2 * h), forward: (-3 * f0 + 4 * fp - fp2) / (2 * h), backward: (3 * f0 - 4 * fm + fm2) / (2 * h) };
      expect(Math.abs(g)).toBeGreaterThan(1e-2);
      const ok = error(estimates.central) < tolerance || error(estimates.forward) < tolerance !== error(estimates.backward) < tolerance;
      expect(ok, `${name}[${index}]: analytic ${g}, numeric ${JSON.stringify(estimates)}`).toBe(true);
      if (error(estimates.central) < tolerance) central += 1;
      checked += 1;
    }
  }
  expect(checked).toBe(22);
  expect(central).toBeGreaterThanOrEqual(18);
}

describe('grpo loss', () => {
  const config = grpoConfig({ temperature: 0.8 });

  it('loss - matches a plain per-token reference loop (loss, clip fraction, k3 approx-KL, mean ratio)', () => {
    const policy = tinyPolicy();
    const { rollouts } = offsetRollouts(policy, ADVANTAGES, OFFSETS, 11, config.temperature);
    const current = completionLogProbs(policy, rollouts, config.temperature);
    const got = evaluate(policy, rollouts, config);
    const want = referenceLoss(rollouts, current, config);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expect(got.clipFraction).toBeCloseTo(want.clipFraction, 6);
    expect(got.approxKl).toBeCloseTo(want.approxKl, 5);
    expect(got.meanRatio).toBeCloseTo(want.meanRatio, 5);
    expect(got.clipFraction).toBeGreaterThan(0.1); // the clip is active on some tokens…
    expect(got.clipFraction).toBeLessThan(0.6); // …and not on others
    policy.dispose();
  });

  it('loss - gradient matches central finite differences with some ratios clipped', () => {
    const policy = tinyPolicy(3, 15);
    const { rollouts } = offsetRollouts(policy, ADVANTAGES, OFFSETS, 11, config.temperature);
    checkFiniteDifferences(policy, rollouts, config);
    policy.dispose();
  });

  it('loss - gradient with the k3 KL to a reference matches finite differences and the reference loop', () => {
    const policy = tinyPolicy(3, 15);
    const reference = tinyPolicy(4, 15);
    const withKl = grpoConfig({ klCoef: 0.5, temperature: 0.8 });
    const { rollouts } = offsetRollouts(policy, ADVANTAGES, OFFSETS, 12, withKl.temperature);
    const want = referenceLoss(rollouts, completionLogProbs(policy, rollouts, 0.8), withKl, completionLogProbs(reference, rollouts, 0.8));
    const got = evaluate(policy, rollouts, withKl, reference);
    expect(want.referenceKl).toBeGreaterThan(1e-3);
    expect(got.referenceKl).toBeCloseTo(want.referenceKl, 5);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    checkFiniteDifferences(policy, rollouts, withKl, reference);
    expect(() => grpoLoss(policy, {} as never, withKl)).toThrow(/^reference: expected a reference policy/);
    tf.dispose([policy.variables(), reference.variables()].flat());
  });

  it('loss - clipped tokens get no gradient in the direction the clip blocks, and full gradient the other way', () => {
    const policy = tinyPolicy();
    const maxAbs = (g: Map<string, Float32Array>) => Math.max(...[...g.values()].map((v) => Math.max(...v.map(Math.abs))));
    // ratio 1.82 with A > 0 (wants to grow further) and ratio 0.55 with A < 0 (wants to shrink further): blocked.
    for (const [offset, advantage] of [[0.6, 1], [-0.6, -1]] as const) {
      const { rollouts } = offsetRollouts(policy, [advantage, advantage * 0.5, advantage * 2], [offset]);
      expect(evaluate(policy, rollouts, config).clipFraction).toBe(1);
      expect(maxAbs(gradients(policy, rollouts, config))).toBe(0);
    }
    // The same ratios with the opposite sign: the unclipped term is the smaller one and trains.
    for (const [offset, advantage] of [[0.6, -1], [-0.6, 1]] as const) {
      const { rollouts } = offsetRollouts(policy, [advantage, advantage * 0.5, advantage * 2], [offset]);
      expect(evaluate(policy, rollouts, config).clipFraction).toBe(0);
      expect(maxAbs(gradients(policy, rollouts, config))).toBeGreaterThan(1e-3);
    }
    policy.dispose();
  });

  it('loss - prompt and pad positions are masked: their behaviour inputs change nothing', () => {
    const policy = tinyPolicy();
    const { rollouts } = offsetRollouts(policy, ADVANTAGES, OFFSETS, 13);
    const junk = (p: ReturnType<typeof packRollouts>) => {
      for (let i = 0; i < p.mask.length; i++) if (p.mask[i] === 0) p.behaviourLogProbs[i] = i % 2 ? -50 : 7;
    };
    const cfg = grpoConfig();
    expect(evaluate(policy, rollouts, cfg, undefined, junk)).toEqual(evaluate(policy, rollouts, cfg));
    const clean = gradients(policy, rollouts, cfg);
    const edited = gradients(policy, rollouts, cfg, undefined, junk);
    for (const [name, g] of clean) expect(Array.from(edited.get(name)!)).toEqual(Array.from(g));
    policy.dispose();
  });

  it('loss - the packed mask covers exactly the generated tokens, aligned with the positions predicting them', () => {
    const policy = tinyPolicy();
    const { rollouts } = offsetRollouts(policy, ADVANTAGES, OFFSETS, 14);
    const p = packRollouts(rollouts);
    expect(p.generatedTokens).toBe(rollouts.reduce((n, r) => n + r.completion.length, 0));
    expect(p.mask.reduce((a, b) => a + b, 0)).toBe(p.generatedTokens);
    rollouts.forEach((r, row) => {
      // Scored directly from the logits of this one sequence, without packing.
      const seq = Int32Array.from([...r.prompt, ...r.completion]);
      const direct = tf.tidy(() => tf.logSoftmax(policy.logits(tf.tensor2d(seq, [1, seq.length], 'int32'))).arraySync() as number[][]);
      for (let t = 0; t < p.width - 1; t++) {
        const i = t - (r.prompt.length - 1); // index of the completion token predicted at t
        const generated = i >= 0 && i < r.completion.length;
        expect(p.mask[row * (p.width - 1) + t]).toBe(generated ? 1 : 0);
        expect(p.behaviourLogProbs[row * (p.width - 1) + t]).toBe(generated ? r.behaviourLogProbs[i]! : 0);
        if (generated) expect(p.tokens[row * p.width + t + 1]).toBe(r.completion[i]);
      }
      const current = completionLogProbs(policy, [r])[0]!;
      for (let i = 0; i < r.completion.length; i++) {
        expect(current[i]).toBeCloseTo(direct[r.prompt.length - 1 + i]![r.completion[i]!]!, 5);
      }
    });
    expect(p.advantages).toEqual(Float32Array.from(ADVANTAGES));
    policy.dispose();
  });
});
