import { mulberry32 } from '../tasks/rng.ts';

/** Seeded, backend-independent initial values: the same seed gives the same weights on wasm, cpu or tensorflow. */
export function seededNormal(seed: number, count: number, std: number): Float32Array {
  const uniform = mulberry32(seed >>> 0 || 0x9e3779b9);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box–Muller, truncated at 2σ like GPT-2-style initialisers.
    let a = 0;
    let b = 0;
    do {
      const r = Math.sqrt(-2 * Math.log(uniform() || 1e-12));
      const th = 2 * Math.PI * uniform();
      a = r * Math.cos(th);
      b = r * Math.sin(th);
    } while (Math.abs(a) > 2 || Math.abs(b) > 2);
    out[i] = a * std;
    if (i + 1 < count) out[i + 1] = b * std;
  }
  return out;
}

/** A stable 32-bit hash of a string, to derive one seed per parameter from the model seed. */
export function hashSeed(seed: number, name: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
