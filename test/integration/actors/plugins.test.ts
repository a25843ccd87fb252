/**
 * Engines plugged in from outside saturn's registry, each in a real rollout actor process on a
 * real run: the example plug-in loaded by path, and the `openai` engine against `saturn serve`
 * (itself a real process serving the built-in checkpoint over HTTP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { publishJs } from '../../../src/bus/publish.ts';
import { setupRun, type RunBus } from '../../../src/bus/setup.ts';
import type { RolloutRequest } from '../../../src/protocol/messages.ts';
import { runConfig } from '../../../src/run/config.ts';
import { rolloutRequest } from '../../../src/run/requests.ts';
import { arithmeticTask, mulberry32 } from '../../../src/tasks/index.ts';
import { SMALL_RUN, useActors, type ActorProcess } from '../../helpers/actors.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';
import { until } from '../../helpers/wait.ts';

const BIN = fileURLToPath(new URL('../../../bin/saturn.mjs', import.meta.url));
const SAMPLING = { temperature: 1, topP: 1, maxTokens: 40 };

/** Probes (no prefix) and sweeps (the first third of a correct trace forced) of easy questions. */
function requests(run: string, count: number): RolloutRequest[] {
  const task = arithmeticTask();
  const s = runConfig({ sampling: SAMPLING }).sampling;
  return task.generate('easy', count, 7).flatMap((question, i) => {
    const trace = task.trace!(question, mulberry32(i)).completion;
    const prefix = task.tokenizer.encode(trace.slice(0, Math.floor(trace.length / 3)));
    return [
      rolloutRequest(task, s, { run, kind: 'probe', id: `probe-${i}`, groupId: `p${i}`, question, prefix: [], n: 4, minPolicyVersion: 0 }),
      rolloutRequest(task, s, { run, kind: 'sweep', id: `sweep-${i}`, groupId: `s${i}`, question, prefix, n: 3, minPolicyVersion: 0 }),
    ];
  });
}

/** Publishes `sent`, waits for one result each, and checks every one answers its request. */
async function sendAndCheck(nc: NatsConnection, bus: RunBus, actor: ActorProcess, sent: RolloutRequest[]): Promise<void> {
  for (const r of sent) await publishJs(bus.js, bus.names.subjects.rolloutRequest(r.kind), r);
  const results = () => readStream(nc, bus.names.streams.results, 'rollout.result');
  await until(async () => (await results()).length >= sent.length, 150_000, 'every request answered').catch((e) => {
    throw new Error(`${e.message}\n${actor.output().slice(-3000)}`);
  });
  const got = await results();
  // Nothing lost, nothing twice.
  expect(got.map((r) => r.requestId).sort()).toEqual(sent.map((r) => r.id).sort());
  for (const result of got) {
    const request = sent.find((r) => r.id === result.requestId)!;
    expect(result.kind).toBe(request.kind);
    expect(result.policyVersion).toBe(0);
    expect(result.samples).toHaveLength(request.n);
    for (const s of result.samples) {
      expect(s.tokens.length).toBeGreaterThan(0);
      expect(s.tokens.length).toBeLessThanOrEqual(SAMPLING.maxTokens);
      expect(s.tokens.every((id) => id >= 0 && id < 18)).toBe(true);
      expect(s.logProbs.every((lp) => Number.isFinite(lp) && lp <= 0)).toBe(true);
    }
  }
  // The warm-started policy solves easy questions: rewards of 1 say tokens came back as the task's ids.
  const rewards = got.flatMap((r) => r.samples.map((s) => s.reward));
  expect(rewards.filter((x) => x === 1).length / rewards.length).toBeGreaterThan(0.5);
  expect(await readStream(nc, bus.names.streams.dead, 'dead.letter')).toEqual([]);
}

describe('engine plug-ins in a run', () => {
  const nats = useNatsServer();
  const actors = useActors();
  const servers: ChildProcess[] = [];
  afterAll(() => servers.forEach((s) => s.exitCode === null && s.kill('SIGKILL')));

  it('plugins - an engine loaded by path (examples/engines/recompute-engine.ts) serves a run', async () => {
    const run = nats.runId();
    const config = actors.configFile({ ...SMALL_RUN, sampling: SAMPLING, engines: { recompute: { maxPromptTokens: 40 } } });
    const actor = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', config, '--id', 'plug', '--engine', './examples/engines/recompute-engine.ts']);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: SMALL_RUN.rollout.ackWaitSeconds * 1000 });
    await until(async () => (await bus.state.get('heartbeat.plug')) !== null, 120_000, 'rollout up').catch((e) => {
      throw new Error(`${e.message}\n${actor.output().slice(-3000)}`);
    });
    expect(actor.output()).toMatch(/"engine":"recompute".*rollout ready/);
    await sendAndCheck(nc, bus, actor, requests(run, 3));
    actor.child.kill('SIGTERM');
    expect(await actor.exited).toBe(0);
  }, 240_000);

  it('plugins - the openai engine serves probes and sweeps from saturn serve, nothing lost', async () => {
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--model', 'policy'], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(serve);
    let served = '';
    serve.stdout!.on('data', (d) => (served += d));
    serve.stderr!.on('data', (d) => (served += d));
    await until(async () => /listening on http:\/\/\S+/.test(served), 120_000, 'saturn serve listening').catch((e) => {
      throw new Error(`${e.message}\n${served}`);
    });
    const baseUrl = served.match(/listening on (http:\/\/\S+)/)![1]!;

    const run = nats.runId();
    // The key comes from the environment (not argv, not the stored config); saturn serve ignores it.
    const config = actors.configFile({ ...SMALL_RUN, sampling: SAMPLING, rollout: { ...SMALL_RUN.rollout, engine: 'openai' }, engines: { openai: { baseUrl: `${baseUrl}/v1`, model: 'policy', concurrency: 2 } } });
    process.env.SATURN_OPENAI_API_KEY = 'test-key';
    const actor = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', config, '--id', 'oai']);
    delete process.env.SATURN_OPENAI_API_KEY;
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: SMALL_RUN.rollout.ackWaitSeconds * 1000 });
    await until(async () => (await bus.state.get('heartbeat.oai')) !== null, 120_000, 'rollout up').catch((e) => {
      throw new Error(`${e.message}\n${actor.output().slice(-3000)}`);
    });
    expect(actor.output()).toMatch(/"engine":"openai".*rollout ready/);
    await sendAndCheck(nc, bus, actor, requests(run, 4));
    actor.child.kill('SIGTERM');
    expect(await actor.exited).toBe(0);

    // A misnamed model is refused at start, in one line naming the option.
    const wrong = actors.configFile({ ...SMALL_RUN, rollout: { ...SMALL_RUN.rollout, engine: 'openai' }, engines: { openai: { baseUrl, model: 'gpt-nope' } } });
    const refused = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', wrong, '--id', 'oai2']);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toMatch(/engines\.openai\.model: http:\/\/\S+ does not serve "gpt-nope" \(it serves policy\)/);
    serve.kill('SIGTERM');
  }, 300_000);
});
