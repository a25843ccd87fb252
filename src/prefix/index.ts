/**
 * Failure-prefix selection, pure and transport-free: find saturated questions, cut their rare
 * failed rollout into prefixes, estimate the policy's accuracy when continuing from each, and
 * pick the prefix closest to τ, sequentially so that hopeless prefixes stop early.
 */
export { PrefixArgumentError } from './errors.ts';
export {
  DEFAULT_MIN_CORRECT,
  isSaturated,
  saturationConfig,
  type SaturationConfig,
  type SaturationOptions,
} from './saturation.ts';
export { DEFAULT_FRACTIONS, cutPrefixes, type Prefix } from './cut.ts';
export { wilsonInterval, type WilsonInterval } from './wilson.ts';
export { distanceBounds, type DistanceBounds } from './distance.ts';
export { DEFAULT_BAND, inBand, selectPrefix, type PrefixCandidate } from './select.ts';
export {
  SWEEP_DEFAULTS,
  sweepConfig,
  type SweepCandidate,
  type SweepConfig,
  type SweepOptions,
} from './sweep-config.ts';
export {
  createSweep,
  isDone,
  markRequested,
  nextRequests,
  recordResults,
  sweepRollouts,
  sweepSelection,
  type CandidateStatus,
  type SweepCandidateState,
  type SweepRequest,
  type SweepState,
} from './sequential.ts';
export { runSweep, type SweepOracle } from './drive.ts';
