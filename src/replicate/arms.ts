import { SaturnError } from '../errors.ts';
import { runConfig, type RunConfig } from '../run/config.ts';

/** Run-config overrides as JSON: objects merge field by field, anything else replaces. */
export type Overlay = { [field: string]: unknown };

/** What an arm stands for in the comparison. */
export type ArmRole =
  /** The starting checkpoint, not trained: every "before". */
  | 'reference'
  /** A competitor the method must beat: the report compares every method arm with the best of these. */
  | 'baseline'
  /** Failure-prefix conditioning, at the defaults or in an ablation. */
  | 'method';

export interface Arm {
  name: string;
  role: ArmRole;
  /** One line for the report. */
  description: string;
  /** Overrides of the run config on top of the replicate's base config; absent for `base` (no run). */
  overlay?: Overlay;
  /** Set while an arm needs learner features that do not exist yet: choosing it is an error saying so. */
  pending?: string;
}

/**
 * Every arm `saturn replicate` knows, in report order. An arm is a config overlay and nothing
 * else: each trained arm is a plain `saturn up` run with its overlay merged into the base config.
 */
export const ARMS: readonly Arm[] = [
  { name: 'base', role: 'reference', description: 'the starting checkpoint, no training' },
  // ── baselines ──────────────────────────────────────────────────────────────────────────────
  // The selector only probes and keeps the questions it finds saturated (a fixed set of
  // poolTarget, as the paper's baseline builds it once); the learner trains on them without prefix.
  {
    name: 'saturated',
    role: 'baseline',
    description: 'GRPO on saturated questions only (found by probing; no pool, no sweeps, no refresh)',
    overlay: { learner: { source: 'saturated', harvestPerStep: 0 }, selector: { poolTarget: 32 }, refresh: { enabled: false } },
  },
  {
    name: 'saturated-pool',
    role: 'baseline',
    description: 'GRPO on the pool’s questions only (originalShare 1), with the pool’s refresh',
    // No harvested probe groups either: only the fresh groups of pool questions it asks for.
    overlay: { learner: { originalShare: 1, harvestPerStep: 0 } },
  },
  // Fresh questions of learner.split (the selector's, easy, by default), zero-variance groups
  // dropped and more sampled until the batch is full (at most learner.maxRounds rounds a step).
  {
    name: 'dynamic',
    role: 'baseline',
    description: 'DAPO dynamic sampling on fresh easy questions: zero-variance groups dropped, batch refilled',
    overlay: { learner: { source: 'split', dynamicFilter: true, harvestPerStep: 0 }, refresh: { enabled: false } },
  },
  // The paper's strongest baseline.
  {
    name: 'medium',
    role: 'baseline',
    description: 'GRPO on fresh questions of the medium split',
    overlay: { learner: { source: 'split', split: 'medium', harvestPerStep: 0 }, refresh: { enabled: false } },
  },
  // ── the method ─────────────────────────────────────────────────────────────────────────────
  { name: 'prefix', role: 'method', description: 'failure prefixes at the defaults (τ 0.5)', overlay: {} },
  // The paper's τ ablation. The selector keeps prefixes inside `selector.band` and the controller
  // rebuilds entries that drift out of `refresh.band`, so both move with τ (±0.2, inside (0, 1)).
  {
    name: 'prefix-tau25',
    role: 'method',
    description: 'failure prefixes at τ 0.25 (band 0.05–0.45)',
    overlay: { selector: { tau: 0.25, band: [0.05, 0.45] }, refresh: { band: [0.05, 0.45] } },
  },
  {
    name: 'prefix-tau75',
    role: 'method',
    description: 'failure prefixes at τ 0.75 (band 0.55–0.95)',
    overlay: { selector: { tau: 0.75, band: [0.55, 0.95] }, refresh: { band: [0.55, 0.95] } },
  },
  // The default mixes in informative probe and sweep groups (learner.harvestPerStep); without them,
  // the failure prefixes alone (the default before harvesting).
  { name: 'prefix-noharvest', role: 'method', description: 'failure prefixes without harvested probe/sweep groups', overlay: { learner: { harvestPerStep: 0 } } },
  // The default before the learner stopped waiting for the pool: up to 20 s a step for minPool
  // in-band entries, 8 harvested groups.
  { name: 'prefix-paced', role: 'method', description: 'failure prefixes, learner waits up to 20 s for the pool, 8 harvested groups', overlay: { learner: { poolWaitSeconds: 20, harvestPerStep: 8 } } },
  { name: 'prefix-norefresh', role: 'method', description: 'failure prefixes, refresh controller off', overlay: { refresh: { enabled: false } } },
];

/** The arms a replicate runs when none are named: every one that can run today. */
export const DEFAULT_ARMS = ARMS.filter((a) => !a.pending).map((a) => a.name);

/** An arm chosen for a replicate, with the run config its runs use (undefined for `base`). */
export interface ResolvedArm extends Arm {
  /** The base overrides with the arm's overlay merged in: what `saturn up --config` gets. */
  overrides?: Overlay;
  config?: RunConfig;
}

/**
 * The named arms, each with its overlay merged into `base` and validated. Every problem is one
 * error naming the arm: an unknown name, an arm still pending, an overlay the config rejects.
 */
export function resolveArms(names: string[], base: Overlay = {}, table: readonly Arm[] = ARMS): ResolvedArm[] {
  if (!names.length) throw new SaturnError('--arms: expected at least one arm');
  const seen = new Set<string>();
  return names.map((name) => {
    const arm = table.find((a) => a.name === name);
    if (!arm) throw new SaturnError(`--arms: unknown arm "${name}" (known: ${table.map((a) => a.name).join(', ')})`);
    if (seen.has(name)) throw new SaturnError(`--arms: arm "${name}" named twice`);
    seen.add(name);
    if (arm.pending) throw new SaturnError(`arm ${name}: not available yet (${arm.pending})`);
    if (!arm.overlay) return { ...arm };
    const overrides = mergeOverlay(base, arm.overlay);
    try {
      return { ...arm, overrides, config: runConfig(overrides as Parameters<typeof runConfig>[0]) };
    } catch (e) {
      throw new SaturnError(`arm ${name}: its config does not validate: ${(e as Error).message}`, { cause: e });
    }
  });
}

/** `over` on top of `base`: plain objects merge field by field, anything else (arrays too) replaces. */
export function mergeOverlay(base: Overlay, over: Overlay): Overlay {
  const out: Overlay = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const here = out[key];
    out[key] = isPlainObject(here) && isPlainObject(value) ? mergeOverlay(here, value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(x: unknown): x is Overlay {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
