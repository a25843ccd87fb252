// `saturn bench bus`: request → result round trips through saturn's bus layer against the same
// pattern written directly with @nats-io/jetstream (same server, same payloads, same run), and
// rollout tokens/s with 1 vs 2 rollout actor processes.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { filter, firstValueFrom, from, lastValueFrom, mergeMap, take } from 'rxjs';
import { connectBus } from '../src/bus/connect.ts';
import { decodeOrDeadLetter } from '../src/bus/decode-or-dead-letter.ts';
import { SeenSet } from '../src/bus/idempotency.ts';
import { NatsServer } from '../src/bus/nats-server.ts';
import { consume$ } from '../src/bus/observable.ts';
import { publishJs } from '../src/bus/publish.ts';
import { setupRun, type RunBus } from '../src/bus/setup.ts';
import { CHECKPOINT_FLAG, JSON_FLAG } from '../src/cli/common-flags.ts';
import { parseFlags } from '../src/cli/flags.ts';
import { decode } from '../src/protocol/codec.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { RolloutResult } from '../src/protocol/messages.ts';
import { runConfig } from '../src/run/config.ts';
import { rolloutRequest } from '../src/run/requests.ts';
import { resolveTask } from '../src/tasks/index.ts';

const BIN = fileURLToPath(new URL('../bin/saturn.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLER_PROCESS = fileURLToPath(new URL('./bench-sampler-process.ts', import.meta.url));
const SPEC = {
  checkpoint: CHECKPOINT_FLAG,
  'round-trips': { type: 'integer', description: 'round trips per bus measurement', default: 3000, min: 10 },
  // 192 × 16 samples: ~10 s for one actor; with 48 the last batch's imbalance was a tenth of the run.
  'rollout-requests': { type: 'integer', description: 'requests per rollout measurement', default: 192, min: 2 },
  rounds: { type: 'integer', description: 'rounds of 1 then 2 actors (best of each is reported)', default: 2, min: 1 },
  json: JSON_FLAG,
} as const;

const task = resolveTask('arithmetic');
const sampling = { temperature: 1, topP: 1, maxTokens: 64 };

/** A realistic result payload: 16 samples of 32 tokens, as a probe answer carries. */
function fakeResult(requestId: string, r: { questionId: string; groupId: string }): RolloutResult {
  const samples = Array.from({ length: 16 }, (_, i) => ({ tokens: new Int32Array(32).fill(3 + (i % 10)), logProbs: new Float32Array(32).fill(-0.01), reward: 1, stopped: true }));
  return { ...envelope('rollout.result', requestId), requestId, actorId: 'bench', policyVersion: 0, samples, questionId: r.questionId, groupId: r.groupId, kind: 'probe', durationMs: 0 };
}

/** n requests with ids unique to `tag` (the broker drops repeated ids within its duplicate window). */
function requests(run: string, n: number, tag: string) {
  const [q] = task.generate('easy', 1, 5);
  return Array.from({ length: n }, (_, i) => rolloutRequest(task, sampling, { run, kind: 'probe', id: `${tag}:${i}`, groupId: `g${i}`, question: q!, prefix: [3, 4, 5], n: 16, minPolicyVersion: 0 }));
}

/** saturn's layer: publishJs (validate + encode + dedup id), consume$ + decodeOrDeadLetter, SeenSet. */
async function saturnRoundTrips(bus: RunBus, run: string, n: number, tag: string): Promise<number> {
  const reqConsumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
  const resConsumer = await bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results('probe', 'selector'));
  const sink = { js: bus.js, run, actor: 'bench' };
  const server = consume$(reqConsumer, { maxMessages: 256 })
    .pipe(
      decodeOrDeadLetter('rollout.request', sink),
      mergeMap(({ msg, value }) => from(publishJs(bus.js, bus.names.subjects.rolloutResult('probe'), fakeResult(value.id, value)).then(() => msg.ack())), 64),
    )
    .subscribe();
  const seen = new SeenSet(n * 2);
  const started = performance.now();
  const done = firstValueFrom(
    consume$(resConsumer, { maxMessages: 256 }).pipe(
      decodeOrDeadLetter('rollout.result', sink),
      filter(({ msg, value }) => {
        msg.ack();
        return seen.add(value.requestId);
      }),
      take(n),
    ),
    { defaultValue: undefined },
  );
  await lastValueFrom(from(requests(run, n, tag)).pipe(mergeMap((r) => from(publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), r)), 64)), { defaultValue: undefined });
  await done;
  const seconds = (performance.now() - started) / 1000;
  server.unsubscribe();
  return n / seconds;
}

/** The same pattern written directly with @nats-io/jetstream and msgpackr: no validation, no dedup set. */
async function rawRoundTrips(js: JetStreamClient, bus: RunBus, run: string, n: number, tag: string): Promise<number> {
  const packr = new Packr({ moreTypes: true, useRecords: false });
  const reqConsumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
  const resConsumer = await bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results('probe', 'selector'));
  const serve = (async () => {
    const it = await reqConsumer.consume({ max_messages: 256 });
    let served = 0;
    const inflight: Promise<unknown>[] = [];
    // Pipelined like saturn's mergeMap: publish + ack without waiting, bounded by max_ack_pending.
    for await (const m of it) {
      const r = packr.unpack(m.data) as { id: string; questionId: string; groupId: string };
      inflight.push(js.publish(bus.names.subjects.rolloutResult('probe'), packr.pack(fakeResult(r.id, r)), { msgID: r.id }).then(() => m.ack()));
      if (++served === n) break;
    }
    await Promise.all(inflight);
    it.stop();
  })();
  const started = performance.now();
  const collect = (async () => {
    const it = await resConsumer.consume({ max_messages: 256 });
    let got = 0;
    for await (const m of it) {
      packr.unpack(m.data);
      m.ack();
      if (++got === n) break;
    }
    it.stop();
  })();
  const reqs = requests(run, n, tag);
  // A sliding window of 64 publishes in flight, as saturn's mergeMap(…, 64) keeps.
  const window = new Set<Promise<unknown>>();
  for (const r of reqs) {
    const p: Promise<unknown> = js.publish(bus.names.subjects.rolloutRequest('probe'), packr.pack(r), { msgID: r.id }).finally(() => window.delete(p));
    window.add(p);
    if (window.size >= 64) await Promise.race(window);
  }
  await Promise.all(window);
  await Promise.all([serve, collect]);
  return n / ((performance.now() - started) / 1000);
}

/**
 * Tokens/s of `actors` rollout processes serving `count` probe requests of 16 samples, and the
 * share of requests each actor served (an even split is what scaling needs).
 */
async function rolloutTokensPerSec(url: string, bus: RunBus, run: string, actors: number, count: number): Promise<{ tokensPerSec: number; shares: number[] }> {
  const procs = Array.from({ length: actors }, (_, i) => spawn(process.execPath, [BIN, 'actor', 'rollout', '--nats', url, '--run', run, '--id', `bench-${actors}-${i}`], { stdio: 'ignore' }));
  try {
    // Wait until every actor has written a heartbeat (its policy is loaded).
    for (let t = 0; t < 600; t++) {
      let ready = 0;
      for (let i = 0; i < actors; i++) if (await bus.state.get(`heartbeat.bench-${actors}-${i}`)) ready++;
      if (ready === actors) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const resConsumer = await bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results('probe', 'selector'));
    const tag = `tokens${actors}`;
    const reqs = requests(run, count, tag);
    const started = performance.now();
    for (const r of reqs) await publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), r);
    let tokens = 0;
    const served = new Map<string, number>();
    const it = await resConsumer.consume({ max_messages: 64 });
    let got = 0;
    for await (const m of it) {
      const r = decode(m.data, 'rollout.result');
      m.ack();
      // Only this measurement's results count (the consumer may still hold earlier phases' leftovers).
      if (!r.ok || !r.value.requestId.startsWith(`${tag}:`)) continue;
      tokens += r.value.samples.reduce((a, s) => a + s.tokens.length, 0);
      served.set(r.value.actorId, (served.get(r.value.actorId) ?? 0) + 1);
      if (++got === count) break;
    }
    it.stop();
    const shares = Array.from({ length: actors }, (_, i) => +((served.get(`bench-${actors}-${i}`) ?? 0) / count).toFixed(2));
    return { tokensPerSec: tokens / ((performance.now() - started) / 1000), shares };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : p.on('exit', r)))));
  }
}

/**
 * Tokens/s of `processes` processes doing the rollout actor's sampling with no bus at all, all
 * started together: the machine's own ceiling for what a second actor can add (two processes on
 * this 2-core machine share its memory bandwidth and caches, and make ~1.6–1.8× one).
 */
async function computeTokensPerSec(checkpoint: string, processes: number): Promise<number> {
  const startAt = Date.now() + 8_000; // after every process has loaded and warmed up
  const outputs = await Promise.all(
    Array.from({ length: processes }, () => {
      const p = spawn(process.execPath, ['--import', 'tsx/esm', SAMPLER_PROCESS, checkpoint, String(startAt), '40'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<{ tokens: number; seconds: number }>((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sampler process exited with ${code}`)))));
    }),
  );
  // Aggregate rate over the span the slowest process needed: the same way the bus figure is timed.
  return outputs.reduce((a, o) => a + o.tokens, 0) / Math.max(...outputs.map((o) => o.seconds));
}

export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('bench bus', argv, SPEC);
  const started = performance.now();
  const server = await NatsServer.start();
  try {
    const nc = await connectBus({ servers: server.url });
    const runId = 'bench';
    const bus = await setupRun(nc, runId, { duplicateWindowMs: 10_000 });
    const js = jetstream(nc);
    const n = flags['round-trips'];
    // Alternate the two so drift in machine speed hits both equally; report the medians.
    const saturn: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 3; i++) {
      raw.push(await rawRoundTrips(js, bus, runId, n, `raw${i}`));
      saturn.push(await saturnRoundTrips(bus, runId, n, `saturn${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Fresh streams per measurement: nothing left over from the round trips is redelivered into them.
    const measureTokens = async (actors: number, round: number) => {
      const tokensRun = `bench-tokens-${actors}-${round}`;
      const tokensBus = await setupRun(nc, tokensRun);
      await tokensBus.state.put('config', JSON.stringify(runConfig({ checkpoint: flags.checkpoint, rollout: { concurrency: 4 } })));
      return rolloutTokensPerSec(server.url, tokensBus, tokensRun, actors, flags['rollout-requests']);
    };
    // Rounds of one actor then two, best of each (the statistic bench core uses): on a shared
    // machine a single pair mostly measures what else ran at the time.
    let one = 0;
    let two = 0;
    let shares: number[] = [];
    let computeOne = 0;
    let computeTwo = 0;
    for (let round = 0; round < flags.rounds; round++) {
      one = Math.max(one, (await measureTokens(1, round)).tokensPerSec);
      const pair = await measureTokens(2, round);
      if (pair.tokensPerSec > two) [two, shares] = [pair.tokensPerSec, pair.shares];
      computeOne = Math.max(computeOne, await computeTokensPerSec(flags.checkpoint, 1));
      computeTwo = Math.max(computeTwo, await computeTokensPerSec(flags.checkpoint, 2));
    }
    const report = {
      saturnRoundTripsPerSec: Math.round(median(saturn)),
      rawRoundTripsPerSec: Math.round(median(raw)),
      rawOverSaturn: +(median(raw) / median(saturn)).toFixed(3),
      roundTrips: n,
      rolloutTokensPerSec: { '1': Math.round(one), '2': Math.round(two) },
      twoOverOne: +(two / one).toFixed(2),
      twoActorShares: shares,
      // The same sampling in 1 and 2 plain processes, no bus: what two processes can make here.
      computeTokensPerSec: { '1': Math.round(computeOne), '2': Math.round(computeTwo) },
      computeTwoOverOne: +(computeTwo / computeOne).toFixed(2),
      twoOverOneOfCeiling: +(two / one / (computeTwo / computeOne)).toFixed(2),
      rounds: flags.rounds,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
    };
    process.stdout.write(JSON.stringify(report) + (flags.json ? '\n' : '\n'));
    await nc.drain();
    return 0;
  } finally {
    await server.stop();
  }
}
