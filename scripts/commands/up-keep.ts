import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunBus } from '../../src/bus/setup.ts';
import { loadCheckpoint, serializeCheckpoint } from '../../src/model/checkpoint.ts';
import type { RunConfig } from '../../src/run/config.ts';
import { freshDrawn, freshStream } from '../../src/learner/plan.ts';
import { hashString } from '../../src/tasks/rng.ts';

/** A policy version written to a file so it can be evaluated after the run (curves). */
export interface KeptVersion {
  version: number;
  /** The learner step it was published at (from the object's description). */
  step: number;
  file: string;
}

/**
 * Writes the learner's last checkpoint as a policy file (`saturn eval --checkpoint` reads it),
 * without the optimiser state; returns its path, or undefined when the learner never saved one.
 */
export async function saveFinal(bus: RunBus, runDir: string, checkpointObject: string): Promise<string | undefined> {
  const saved = await bus.weights.getBlob(checkpointObject);
  if (!saved) return undefined;
  const { policy, meta } = loadCheckpoint(saved, { source: 'the learner checkpoint' });
  const file = join(runDir, 'final.ckpt');
  await writeFile(file, await serializeCheckpoint(policy, undefined, { step: meta.step, version: meta.version, run: meta.run }));
  policy.dispose();
  return file;
}

/** Copies every `every`-th published version (`weights/v<N>`, N ≥ 1) to `runDir/weights/v<N>.ckpt`. */
export async function keepVersions(bus: RunBus, runDir: string, every: number): Promise<KeptVersion[]> {
  if (every <= 0) return [];
  const kept: KeptVersion[] = [];
  await mkdir(join(runDir, 'weights'), { recursive: true });
  for (const info of await bus.weights.list()) {
    const version = Number(/^weights\/v(\d+)$/.exec(info.name)?.[1] ?? NaN);
    if (!(version >= 1) || version % every !== 0) continue;
    const bytes = await bus.weights.getBlob(info.name);
    if (!bytes) continue;
    const file = join(runDir, 'weights', `v${version}.ckpt`);
    await writeFile(file, bytes);
    kept.push({ version, step: Number(/step (\d+)/.exec(info.description ?? '')?.[1] ?? version), file });
  }
  return kept.sort((a, b) => a.version - b.version);
}

/**
 * The question streams the run drew training questions from, as `task.generate(split, count,
 * seed)`: the selector's, and the learner's own when it draws fresh questions. An evaluation can leave these questions out, so held-out means held out by
 * construction (replicate does).
 */
export async function questionStreams(bus: RunBus, config: RunConfig, runId: string): Promise<Array<{ source: string; split: string; seed: number; count: number }>> {
  const counter = async (key: string) => {
    const e = await bus.state.get(key);
    return e?.operation === 'PUT' ? Number(new TextDecoder().decode(e.value)) : 0;
  };
  const streams = [{ source: 'selector', split: config.selector.split, seed: hashString(runId), count: await counter(bus.names.stateKeys.selectorCursor) }];
  // A learner drawing fresh questions (learner.source "split") has a stream of its own; one step
  // past the last checkpointed one, for the step planned ahead.
  if (config.learner.source === 'split') streams.push({ source: 'learner', ...freshStream(runId, config.learner.split), count: freshDrawn(config.learner, (await counter(bus.names.stateKeys.learnerStep)) + 1) });
  return streams;
}
