/**
 * Draws one token from a row of log-probabilities (already at the sampling temperature) with
 * nucleus (top-p) truncation. Pure and seeded: the same rng state gives the same token.
 */
export function chooseToken(logProbs: Float32Array, offset: number, vocab: number, topP: number, rng: () => number): number {
  if (topP >= 1) {
    let u = rng();
    for (let i = 0; i < vocab; i++) {
      u -= Math.exp(logProbs[offset + i]!);
      if (u <= 0) return i;
    }
    return argmax(logProbs, offset, vocab); // rounding left a sliver of mass unassigned
  }
  const order = Array.from({ length: vocab }, (_, i) => i).sort((a, b) => logProbs[offset + b]! - logProbs[offset + a]!);
  let kept = 0;
  let mass = 0;
  while (kept < vocab && mass < topP) mass += Math.exp(logProbs[offset + order[kept++]!]!);
  let u = rng() * mass;
  for (let i = 0; i < kept; i++) {
    u -= Math.exp(logProbs[offset + order[i]!]!);
    if (u <= 0) return order[i]!;
  }
  return order[0]!;
}

function argmax(values: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}
