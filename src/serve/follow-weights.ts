/**
 * `saturn serve --run ID`: the served policy follows a run's weights. The state KV's latest
 * announcement is polled (a server that starts late, or misses a core announcement, still gets
 * there) and loaded when it moves the policy forward, checked as the rollout actors check it.
 */
import type { Logger } from 'pino';
import type { WeightsPlace } from '../bus/weights.ts';
import { fetchWeights, latestWeights } from '../bus/weights.ts';
import type { Policy } from '../model/policy.ts';
import { swapWeights } from '../rollout/tfjs-engine.ts';
import { shouldLoad, type HeldWeights } from '../rollout/versions.ts';

/** The policy being served and the weights it holds (version 0: the checkpoint it started from). */
export interface ServedPolicy {
  policy: Policy;
  held: HeldWeights;
}

/** Polls every `everyMs` until the returned stop is called (which waits for a load in progress). */
export function followRunWeights(place: Pick<WeightsPlace, 'names' | 'state' | 'store'>, served: ServedPolicy, log: Logger, everyMs = 1_000): () => Promise<void> {
  let stopped = false;
  let refused = '';
  const look = async () => {
    const latest = await latestWeights(place);
    if (latest && !latest.ok && latest.reason !== refused) log.warn({ reason: latest.reason }, 'latest weights announcement refused');
    refused = latest && !latest.ok ? latest.reason : '';
    if (!latest?.ok || !shouldLoad(served.held, latest.value)) return;
    const bytes = await fetchWeights(place, latest.value);
    served.policy = swapWeights(served.policy, bytes, latest.value.version);
    served.held = { version: latest.value.version, sha256: latest.value.sha256 };
    log.info({ version: latest.value.version }, 'serving new weights');
  };
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : look().catch((e: unknown) => log.warn({ err: e }, 'weights not loaded; trying again'))));
  }, everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
