import * as tf from '@tensorflow/tfjs-core';

// tfjs does not export the type customGrad takes; this is its shape.
type CustomGradient = Parameters<typeof tf.customGrad>[0];

// The wasm backend runs a plain 2-D matMul through XNNPACK (~35 GFLOP/s here) but its transposed
// and batched forms through a slow loop (~1-3 GFLOP/s), and tf.matMul's own gradient uses the
// transposed forms. These wrappers take gradients with explicit transposes instead.

/** x [M, K] · w [K, N] → [M, N], with a gradient made only of plain matMuls. */
export const matMul2d = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
}) as unknown as CustomGradient) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** a [B, M, K] · b [B, K, N] → [B, M, N], with an untransposed batched gradient. */
export const batchMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
      return [
        tf.matMul(dy as tf.Tensor3D, tf.transpose(bs, [0, 2, 1])),
        tf.matMul(tf.transpose(as, [0, 2, 1]), dy as tf.Tensor3D),
      ];
    },
  };
}) as unknown as CustomGradient) as unknown as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/** Layer norm over the last axis of x [M, d]; no `pow` (slow on wasm), hand-written gradient. */
export const layerNorm = tf.customGrad(((x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  const d = x.shape[x.shape.length - 1]!;
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.mul(centred, centred), -1, true);
  const invStd = tf.rsqrt(tf.add(variance, 1e-5));
  const normed = tf.mul(centred, invStd);
  save([normed, invStd, gain]);
  return {
    value: tf.add(tf.mul(normed, gain), bias),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [n, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const rows = dy.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const dNormed = tf.mul(dy, g);
      // dx = inv · (dn − mean(dn) − n · mean(dn · n)) over the normalised axis.
      const dx = tf.mul(
        inv,
        tf.sub(tf.sub(dNormed, tf.mean(dNormed, -1, true)), tf.mul(n, tf.mean(tf.mul(dNormed, n), -1, true))),
      );
      const flatDy = tf.reshape(dy, [rows, d]);
      const dGain = tf.sum(tf.mul(flatDy, tf.reshape(n, [rows, d])), 0);
      const dBias = tf.sum(flatDy, 0);
      return [dx, dGain, dBias];
    },
  };
}) as unknown as CustomGradient) as unknown as (x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D) => tf.Tensor2D;
