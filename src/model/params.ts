import * as tf from '@tensorflow/tfjs-core';
import type { PolicyConfig } from './config.ts';
import { hashSeed, seededNormal } from './init.ts';

/** How a parameter is initialised and whether weight decay applies to it. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'zeros' | 'ones';
  std?: number;
  decay: boolean;
}

/** Every parameter of the policy in a fixed order (the checkpoint order). */
export function paramSpecs(c: PolicyConfig): ParamSpec[] {
  const d = c.dModel;
  const residualStd = 0.02 / Math.sqrt(2 * c.nLayers);
  const specs: ParamSpec[] = [
    { name: 'tok_emb', shape: [c.vocabSize, d], init: 'normal', std: 0.02, decay: false },
    { name: 'pos_emb', shape: [c.contextLength, d], init: 'normal', std: 0.02, decay: false },
  ];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `h${l}.`;
    specs.push(
      { name: `${p}ln1.g`, shape: [d], init: 'ones', decay: false },
      { name: `${p}ln1.b`, shape: [d], init: 'zeros', decay: false },
      { name: `${p}wq`, shape: [d, d], init: 'normal', std: 0.02, decay: true },
      { name: `${p}wk`, shape: [d, d], init: 'normal', std: 0.02, decay: true },
      { name: `${p}wv`, shape: [d, d], init: 'normal', std: 0.02, decay: true },
      { name: `${p}wo`, shape: [d, d], init: 'normal', std: residualStd, decay: true },
      { name: `${p}ln2.g`, shape: [d], init: 'ones', decay: false },
      { name: `${p}ln2.b`, shape: [d], init: 'zeros', decay: false },
      { name: `${p}w1`, shape: [d, c.dFf], init: 'normal', std: 0.02, decay: true },
      { name: `${p}b1`, shape: [c.dFf], init: 'zeros', decay: false },
      { name: `${p}w2`, shape: [c.dFf, d], init: 'normal', std: residualStd, decay: true },
      { name: `${p}b2`, shape: [d], init: 'zeros', decay: false },
    );
  }
  specs.push(
    { name: 'lnf.g', shape: [d], init: 'ones', decay: false },
    { name: 'lnf.b', shape: [d], init: 'zeros', decay: false },
    { name: 'head', shape: [d, c.vocabSize], init: 'normal', std: 0.02, decay: true },
  );
  return specs;
}

/** Initial values of one parameter, deterministic in (model seed, parameter name). */
export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init === 'zeros') return new Float32Array(size);
  if (spec.init === 'ones') return new Float32Array(size).fill(1);
  return seededNormal(hashSeed(seed, spec.name), size, spec.std ?? 0.02);
}

/** The trainable tensors of a policy, by name, in checkpoint order. */
export type Params = Map<string, tf.Variable>;

export function createParams(c: PolicyConfig): Params {
  const params: Params = new Map();
  for (const spec of paramSpecs(c)) {
    // Unnamed: tfjs variable names are process-global, and several policies may live in one process.
    // The variable shares the initial tensor's data; the tensor itself must go, or every policy
    // built (one per checkpoint a rollout actor loads) leaves one per parameter behind.
    const initial = tf.tensor(initialValues(spec, c.seed), spec.shape);
    params.set(spec.name, tf.variable(initial, true));
    initial.dispose();
  }
  return params;
}
