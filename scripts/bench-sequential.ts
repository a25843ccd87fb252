/**
 * How many rollouts the sequential prefix sweep saves over the paper's fixed sweep, and what it
 * costs in choice quality, on simulated saturated questions.
 *
 * Each question gets a failed completion of random length, cut at 10 %…90 %, and a true
 * conditioned-accuracy curve falling from ≈ 0.97 to ≈ 0.05 (cliff-like or gradual, at a random
 * point). Both sweeps read the same pre-drawn rollout outcomes per prefix, so they differ only
 * by their stopping rule. The yardstick is the fixed sweep; `meanTrueDistanceBest` is the floor
 * no sweep can beat (the prefix truly closest to τ).
 *
 * Run: npx tsx scripts/bench-sequential.ts [--questions 1000] [--seed 1] [--tau 0.5]
 *        [--max-trials 32] [--batch 8] [--z 1.96] [--band 0.25,0.75] [--monotone]
 * With --band, the sequential sweep also stops prefixes confidently out of band and chooses
 * among those in band; `inBandShare*` is how many sweeps end with a usable (in-band) prefix.
 * Prints one JSON document on stdout.
 */
import { parseArgs } from 'node:util';
import {
  createSweep,
  cutPrefixes,
  inBand,
  runSweep,
  sweepRollouts,
  sweepSelection,
  type SweepState,
} from '../src/prefix/index.ts';
import { bernoulliStreams, fallingCurve, mulberry32, streamOracle } from '../src/prefix/simulate.ts';

const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    tau: { type: 'string', default: '0.5' },
    'max-trials': { type: 'string', default: '32' },
    batch: { type: 'string', default: '8' },
    z: { type: 'string', default: '1.96' },
    band: { type: 'string' },
    monotone: { type: 'boolean', default: false },
  },
});
const questions = Number(values.questions);
if (!Number.isInteger(questions) || questions < 1) {
  throw new Error(`--questions: expected a positive integer, got ${values.questions}`);
}
const seed = Number(values.seed);
const sweep = {
  tau: Number(values.tau),
  maxTrials: Number(values['max-trials']),
  batch: Number(values.batch),
  z: Number(values.z),
  monotone: values.monotone,
  ...(values.band ? { band: values.band.split(',').map(Number) as [number, number] } : {}),
};

const rng = mulberry32(seed);
let fixedRollouts = 0;
let sequentialRollouts = 0;
let sameSelection = 0;
let withinTenth = 0;
let distanceFixed = 0;
let distanceSequential = 0;
let distanceBest = 0;
let inBandFixed = 0;
let inBandSequential = 0;
const usable = (st: SweepState): boolean => {
  const chosen = sweepSelection(st);
  const band = sweep.band ?? [0.25, 0.75];
  return chosen !== undefined && inBand(chosen.successes / chosen.trials, band);
};

for (let q = 0; q < questions; q++) {
  // Failed completions of 20–400 tokens; short ones lose fractions to de-duplication.
  const tokens = Int32Array.from({ length: 20 + Math.floor(rng() * 381) }, (_, i) => i);
  const candidates = cutPrefixes(tokens).map(({ fraction, length }) => ({ fraction, length }));
  const truth = fallingCurve(rng, candidates.map((c) => c.fraction));
  const streams = bernoulliStreams(truth, sweep.maxTrials, rng);
  const run = (sequential: boolean): SweepState =>
    runSweep(createSweep({ candidates, ...sweep, sequential }), streamOracle(streams));
  const fixed = run(false);
  const sequential = run(true);

  const trueDistance = (s: SweepState): number => {
    const chosen = sweepSelection(s);
    if (chosen === undefined) throw new Error(`question ${q}: sweep chose nothing`);
    return Math.abs(truth[chosen.index] - sweep.tau);
  };
  const dFixed = trueDistance(fixed);
  const dSequential = trueDistance(sequential);
  fixedRollouts += sweepRollouts(fixed);
  sequentialRollouts += sweepRollouts(sequential);
  if (sweepSelection(fixed)?.index === sweepSelection(sequential)?.index) sameSelection++;
  if (dSequential <= dFixed + 0.1) withinTenth++;
  distanceFixed += dFixed;
  distanceSequential += dSequential;
  if (usable(fixed)) inBandFixed++;
  if (usable(sequential)) inBandSequential++;
  distanceBest += Math.min(...truth.map((p) => Math.abs(p - sweep.tau)));
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
console.log(
  JSON.stringify(
    {
      questions,
      fixedRollouts,
      sequentialRollouts,
      savedShare: round(1 - sequentialRollouts / fixedRollouts),
      sameSelectionShare: round(sameSelection / questions),
      meanTrueDistanceFixed: round(distanceFixed / questions),
      meanTrueDistanceSequential: round(distanceSequential / questions),
      meanTrueDistanceBest: round(distanceBest / questions),
      withinTenthOfFixedShare: round(withinTenth / questions),
      inBandShareFixed: round(inBandFixed / questions),
      inBandShareSequential: round(inBandSequential / questions),
      config: { seed, ...sweep, commonRandomNumbers: true },
    },
    null,
    2,
  ),
);
