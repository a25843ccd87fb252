/** Learning-rate schedule: linear warm-up, flat, then cosine decay to `floor` of the peak over the last `decayShare` of the steps. */
export interface LearningRateSchedule {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  /** Share of the run (at its end) spent decaying. */
  decayShare: number;
  /** Final rate as a share of the peak. */
  floor: number;
}

export function learningRate(step: number, s: LearningRateSchedule): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const decayStart = s.totalSteps * (1 - s.decayShare);
  if (step < decayStart) return s.peak;
  const progress = Math.min(1, (step - decayStart) / Math.max(1, s.totalSteps - decayStart));
  return s.peak * (s.floor + (1 - s.floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
