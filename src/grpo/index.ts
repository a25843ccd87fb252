/**
 * GRPO for saturn's learner, pure and transport-free: group-relative advantages, the clipped
 * token-level loss against behaviour log-probs, and the minibatched optimiser update.
 */
export { groupAdvantages, groupStats, type AdvantageOptions, type GroupStats } from './advantages.ts';
export { DEFAULT_GRPO, grpoConfig, type GrpoConfig } from './config.ts';
export { checkRollout, groupRollouts, type Rollout, type RolloutGroup, type ScoredRollout } from './rollout.ts';
export { batchTensors, disposeBatch, packRollouts, type GrpoBatch, type PackedRollouts } from './batch.ts';
export { LOG_RATIO_LIMIT, grpoLoss, type GrpoLoss, type GrpoLossConfig } from './loss.ts';
export { grpoUpdateFlops, scoringFlops, type MinibatchShape } from './flops.ts';
export { grpoOptimizer } from './optimizer.ts';
export { grpoUpdate, type GrpoMetrics, type GrpoUpdateOptions } from './step.ts';
