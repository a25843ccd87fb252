/**
 * Configuration of a prefix sweep: which prefixes to measure, how many rollouts each may get,
 * and whether to stop early on prefixes that cannot win.
 */
import { checkInteger, checkOpenUnit, checkPositive, checkUnit } from './check.ts';
import { PrefixArgumentError } from './errors.ts';

/** A prefix to measure, before any rollout: what {@link cutPrefixes} returns, minus tokens. */
export interface SweepCandidate {
  /** Share of the failed completion's tokens the prefix keeps, in (0, 1). */
  readonly fraction: number;
  /** Number of tokens the prefix keeps; breaks ties in favour of the shorter prefix. */
  readonly length: number;
}

/** Options of {@link createSweep}; only `candidates` is required. */
export interface SweepOptions {
  /** Prefixes to measure, in any order (conventionally ascending length). */
  candidates: readonly SweepCandidate[];
  /** Target conditioned accuracy, in (0, 1). Default 0.5, where reward variance peaks. */
  tau?: number;
  /** m: most rollouts any one prefix gets; the fixed sweep gives each exactly this. Default 32. */
  maxTrials?: number;
  /** Rollouts asked for per prefix per request (the last one may be smaller). Default 8. */
  batch?: number;
  /** Normal quantile of the Wilson intervals that decide early stops. Default 1.96 (≈ 95 %). */
  z?: number;
  /**
   * true (default): stop sampling a prefix once its interval shows it cannot be the closest to
   * τ. false: the paper's fixed sweep, `maxTrials` rollouts for every prefix, same API.
   */
  sequential?: boolean;
  /**
   * Only prefixes whose p̂ lies in this band are usable (the caller rejects any other choice).
   * Given, the sequential sweep also stops a prefix once its interval lies outside the band, the
   * choice is the prefix closest to τ among those in band, and a sweep whose every prefix is out
   * of band stops early. Absent: the paper's rule, closest to τ whatever its p̂.
   */
  band?: readonly [number, number];
  /**
   * Treat conditioned accuracy as non-increasing in prefix length (candidates in ascending
   * length, as `cutPrefixes` returns them): untried prefixes are measured one at a time by
   * bisection, and a prefix whose interval lies above τ rules out the untried shorter ones (they
   * can only be farther above), one below τ the untried longer ones. Failure curves are mostly
   * cliffs, so a sequential sweep finds its τ crossing, or that there is none, in about log₂ K
   * batches instead of K. Default false (every prefix sampled, the paper's assumption-free rule).
   */
  monotone?: boolean;
}

/** A validated sweep configuration with every default filled in. */
export interface SweepConfig {
  readonly candidates: readonly SweepCandidate[];
  readonly tau: number;
  readonly maxTrials: number;
  readonly batch: number;
  readonly z: number;
  readonly sequential: boolean;
  readonly band?: readonly [number, number];
  readonly monotone: boolean;
}

/** Default target accuracy, rollout cap, batch and z of a sweep, in one place. */
export const SWEEP_DEFAULTS = Object.freeze({
  tau: 0.5,
  maxTrials: 32,
  batch: 8,
  z: 1.96,
  sequential: true,
  monotone: false,
});

/** Validates sweep options, naming the offending field, and fills in defaults. */
export function sweepConfig(options: SweepOptions): SweepConfig {
  if (!Array.isArray(options.candidates)) {
    const expected = 'an array of { fraction, length }';
    throw new PrefixArgumentError('candidates', expected, options.candidates);
  }
  const candidates = options.candidates.map((c, i) => ({
    fraction: checkOpenUnit(`candidates[${i}].fraction`, c.fraction),
    length: checkInteger(`candidates[${i}].length`, c.length, 1),
  }));
  const sequential = options.sequential ?? SWEEP_DEFAULTS.sequential;
  if (typeof sequential !== 'boolean') {
    throw new PrefixArgumentError('sequential', 'a boolean', sequential);
  }
  const monotone = options.monotone ?? SWEEP_DEFAULTS.monotone;
  if (typeof monotone !== 'boolean') throw new PrefixArgumentError('monotone', 'a boolean', monotone);
  const band = options.band === undefined ? undefined : checkBand(options.band);
  return {
    candidates,
    tau: checkOpenUnit('tau', options.tau ?? SWEEP_DEFAULTS.tau),
    maxTrials: checkInteger('maxTrials', options.maxTrials ?? SWEEP_DEFAULTS.maxTrials, 1),
    batch: checkInteger('batch', options.batch ?? SWEEP_DEFAULTS.batch, 1),
    z: checkPositive('z', options.z ?? SWEEP_DEFAULTS.z),
    sequential,
    monotone,
    ...(band ? { band } : {}),
  };
}

function checkBand(band: unknown): readonly [number, number] {
  if (!Array.isArray(band) || band.length !== 2) throw new PrefixArgumentError('band', '[low, high]', band);
  const low = checkUnit('band[0]', band[0]);
  const high = checkUnit('band[1]', band[1]);
  if (low >= high) throw new PrefixArgumentError('band[1]', `a number > band[0] (${low})`, high);
  return Object.freeze([low, high] as const);
}
