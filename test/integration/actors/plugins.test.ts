/**
 * Engines plugged in from outside saturn's registry, each in a real rollout actor process on a
 * real run: the example plug-in loaded by path, and the `openai` engine against `saturn serve`
 * (itself a real process serving the built-in checkpoint over HTTP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { publishJs } from '../../../src/bus/publish.ts';
import { setupRun, type RunBus } from '../../../src/bus/setup.ts';
import { publishWeights } from '../../../src/bus/weights.ts';
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

/** The run's bus once actor `id` beats, its ready line naming `engine`. */
async function rolloutUp(nats: ReturnType<typeof useNatsServer>, run: string, id: string, actor: ActorProcess, engine: string): Promise<{ nc: NatsConnection; bus: RunBus }> {
  const nc = await nats.connect();
  const bus = await setupRun(nc, run, { ackWaitMs: SMALL_RUN.rollout.ackWaitSeconds * 1000 });
  await until(async () => (await bus.state.get(`heartbeat.${id}`)) !== null, 120_000, 'rollout up').catch((e) => {
    throw new Error(`${e.message}\n${actor.output().slice(-3000)}`);
  });
  expect(actor.output()).toMatch(new RegExp(`"engine":"${engine}".*rollout ready`));
  return { nc, bus };
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
  const serves: ChildProcess[] = [];
  afterAll(() => serves.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));
  /** A `saturn serve` process on a free port, once it listens. */
  async function spawnServe(args: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--model', 'policy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    serves.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await until(async () => /listening on http:\/\/\S+/.test(out), 120_000, 'saturn serve listening').catch((e) => {
      throw new Error(`${e.message}\n${out}`);
    });
    return { child, url: out.match(/listening on (http:\/\/\S+)/)![1]!, output: () => out };
  }
  let shared: Promise<{ url: string }> | undefined;
  /** One `saturn serve` of the bundled checkpoint for the suite. */
  const startServe = async () => (await (shared ??= spawnServe())).url;

  it('plugins - an engine loaded by path (examples/engines/recompute-engine.ts) serves a run', async () => {
    const run = nats.runId();
    const config = actors.configFile({ ...SMALL_RUN, sampling: SAMPLING, engines: { recompute: { maxPromptTokens: 40 } } });
    const actor = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', config, '--id', 'plug', '--engine', './examples/engines/recompute-engine.ts']);
    const { nc, bus } = await rolloutUp(nats, run, 'plug', actor, 'recompute');
    await sendAndCheck(nc, bus, actor, requests(run, 3));
    actor.child.kill('SIGTERM');
    expect(await actor.exited).toBe(0);
  }, 240_000);

  it('plugins - the openai engine serves probes and sweeps from saturn serve, nothing lost', async () => {
    const baseUrl = await startServe();

    const run = nats.runId();
    // The key comes from the environment (not argv, not the stored config); saturn serve ignores it.
    const config = actors.configFile({ ...SMALL_RUN, sampling: SAMPLING, rollout: { ...SMALL_RUN.rollout, engine: 'openai' }, engines: { openai: { baseUrl: `${baseUrl}/v1`, model: 'policy', concurrency: 2 } } });
    process.env.SATURN_OPENAI_API_KEY = 'test-key';
    const actor = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', config, '--id', 'oai']);
    delete process.env.SATURN_OPENAI_API_KEY;
    const { nc, bus } = await rolloutUp(nats, run, 'oai', actor, 'openai');
    await sendAndCheck(nc, bus, actor, requests(run, 4));
    actor.child.kill('SIGTERM');
    expect(await actor.exited).toBe(0);

    // A misnamed model is refused at start, in one line naming the option.
    const wrong = actors.configFile({ ...SMALL_RUN, rollout: { ...SMALL_RUN.rollout, engine: 'openai' }, engines: { openai: { baseUrl, model: 'gpt-nope' } } });
    const refused = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', wrong, '--id', 'oai2']);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toMatch(/engines\.openai\.model: http:\/\/\S+ does not serve "gpt-nope" \(it serves policy\)/);
  }, 300_000);

  it('plugins - the selector mines prefixes through the openai engine: every request it sends is answered once', async () => {
    const baseUrl = await startServe();
    const run = nats.runId();
    const config = actors.configFile({
      ...SMALL_RUN,
      sampling: SAMPLING,
      selector: { ...SMALL_RUN.selector, probeQuestions: 8, poolTarget: 2 },
      rollout: { ...SMALL_RUN.rollout, engine: 'openai' },
      // The ids themselves, as the selector cut them: saturn serve's tokenizer is the task's.
      engines: { openai: { baseUrl, concurrency: 2, promptTokens: true } },
    });
    const args = ['--nats', nats.url, '--run', run, '--config', config];
    const rollout = actors.start('rollout', [...args, '--id', 'oai-sel']);
    const selector = actors.start('selector', args);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: SMALL_RUN.rollout.ackWaitSeconds * 1000 });
    const results = () => readStream(nc, bus.names.streams.results, 'rollout.result');
    const latest = async (name: string) => (await readStream(nc, bus.names.streams.metrics, 'metrics.record')).filter((m) => m.name === name).at(-1)?.values ?? {};
    // The selector probed, found saturated questions with a failure, and swept their prefixes.
    await until(async () => ((await latest('pool')).sweepsDone ?? 0) >= 1, 240_000, 'a sweep done').catch((e) => {
      throw new Error(`${e.message}\n${selector.output().slice(-2000)}\n${rollout.output().slice(-2000)}`);
    });
    selector.child.kill('SIGTERM');
    expect(await selector.exited).toBe(0);
    const sent = await latest('actor.selector');
    // What it sent before stopping is still answered: one result per request id, nothing lost.
    await until(async () => new Set((await results()).map((r) => r.requestId)).size >= sent.sent!, 120_000, 'every sent request answered');
    const got = await results();
    expect(sent['sent.probe']).toBeGreaterThanOrEqual(1);
    expect(sent['sent.sweep']).toBeGreaterThanOrEqual(1);
    if (process.env.SATURN_TEST_FIGURES) console.info('selector through openai:', JSON.stringify({ sent: sent.sent, probes: sent['sent.probe'], sweeps: sent['sent.sweep'], results: got.length }));
    expect(new Set(got.map((r) => r.requestId)).size).toBe(sent.sent);
    expect(got.length).toBe(sent.sent);
    expect(got.filter((r) => r.kind === 'sweep').length).toBe(sent['sent.sweep']);
    expect(got.filter((r) => r.kind === 'probe').length).toBe(sent['sent.probe']);
    expect(got.every((r) => r.policyVersion === 0 && r.actorId === 'oai-sel')).toBe(true);
    expect(await readStream(nc, bus.names.streams.dead, 'dead.letter')).toEqual([]);
    rollout.child.kill('SIGTERM');
    expect(await rollout.exited).toBe(0);
  }, 420_000);

  it('plugins - saturn serve --run follows the run\'s published weights', async () => {
    const run = nats.runId();
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    const serve = await spawnServe(['--run', run, '--nats', nats.url]);
    const version = async () => ((await (await fetch(`${serve.url}/v1/models`)).json()) as { data: { saturn_policy_version: number }[] }).data[0]!.saturn_policy_version;
    expect(await version()).toBe(0);
    await publishWeights({ nc, names: bus.names, store: bus.weights, state: bus.state }, 3, 3, await readFile(SMALL_RUN.checkpoint));
    await until(async () => (await version()) === 3, 30_000, 'weights v3 served').catch((e) => {
      throw new Error(`${e.message}\n${serve.output().slice(-2000)}`);
    });
    const answer = (await (await fetch(`${serve.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: '12+34+56=', max_tokens: 40, seed: 1 }) })).json()) as { saturn_policy_version: number; choices: { text: string }[] };
    expect(answer.saturn_policy_version).toBe(3);
    expect(answer.choices[0]!.text).toMatch(/^[0-9+=;#!]+$/);
    serve.child.kill('SIGTERM');
  }, 180_000);
});
