/**
 * How far the policy has moved past the pool's estimates by the time a drawn prefix is sampled:
 * the mean of (group reward mean − p̂ at draw) over the prefix groups of the last `steps` steps,
 * clamped to ±`limit`. p̂ rests on trials of older policies (the sweep, earlier groups), and the
 * policy keeps learning between draw and sampling, so on a learning run p̂ reads low: by 0.14 on
 * average in a default 30-step run, which sent prefixes drawn at p̂ 0.6–0.8 back at 0.82–0.85
 * (std 0.31–0.34). Drawing by p̂ + lag aims the slots at prefixes near τ when sampled.
 */
export class DrawLag {
  private readonly perStep: number[][] = [];

  constructor(
    private readonly steps: number,
    private readonly limit = 0.25,
  ) {}

  /** Folds in one step's prefix groups; groups without a known p̂ at draw (NaN) are skipped. */
  observe(groups: ReadonlyArray<{ rewards: readonly number[]; drawnPHat?: number }>): void {
    if (this.steps <= 0) return;
    const gaps = groups
      .filter((g) => g.rewards.length > 0 && Number.isFinite(g.drawnPHat))
      .map((g) => g.rewards.reduce((a, r) => a + r, 0) / g.rewards.length - g.drawnPHat!);
    if (!gaps.length) return;
    this.perStep.push(gaps);
    if (this.perStep.length > this.steps) this.perStep.shift();
  }

  /** The current lag (0 before any observation, or when disabled with `steps` 0). */
  get value(): number {
    const all = this.perStep.flat();
    if (!all.length) return 0;
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    return Math.max(-this.limit, Math.min(this.limit, mean));
  }
}
