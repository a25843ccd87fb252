/**
 * One valid example of every message type, for codec, validation and bus tests. Each factory
 * takes overrides so a test can break exactly one field.
 */
import {
  envelope,
  type ControlReply,
  type ControlRequest,
  type DeadLetter,
  type Heartbeat,
  type MetricsRecord,
  type PoolEntryMessage,
  type RolloutRequest,
  type RolloutResult,
  type WeightsAnnouncement,
} from '../../src/protocol/index.ts';

const T0 = 1_760_000_000_000;
const clock = () => T0;

export function rolloutRequest(over: Partial<RolloutRequest> & Record<string, unknown> = {}): RolloutRequest {
  return {
    ...envelope('rollout.request', over.id ?? 'req-1', clock),
    run: 'test',
    kind: 'probe',
    groupId: 'g-1',
    questionId: 'q-1',
    question: '12+34+56=',
    answer: '102',
    split: 'easy',
    prompt: new Int32Array([1, 17, 42, 3, 9]),
    prefixLength: 2,
    n: 4,
    sampling: { temperature: 1, topP: 0.95, maxTokens: 64, seed: 1234 },
    minPolicyVersion: 3,
    createdAt: T0 - 5,
    ...over,
  } as RolloutRequest;
}

export function rolloutResult(over: Partial<RolloutResult> & Record<string, unknown> = {}): RolloutResult {
  const id = over.id ?? 'req-1';
  return {
    ...envelope('rollout.result', id, clock),
    requestId: id,
    actorId: 'rollout-0',
    policyVersion: 4,
    samples: [
      {
        tokens: new Int32Array([5, 6, 7]),
        logProbs: new Float32Array([-0.5, -1.25, -0.125]),
        reward: 1,
        stopped: true,
      },
      { tokens: new Int32Array([8]), logProbs: new Float32Array([-2.5]), reward: 0, stopped: false },
    ],
    questionId: 'q-1',
    groupId: 'g-1',
    kind: 'probe',
    durationMs: 12.5,
    ...over,
  } as RolloutResult;
}

export function weightsAnnouncement(over: Partial<WeightsAnnouncement> = {}): WeightsAnnouncement {
  return {
    ...envelope('weights.announcement', 'w-7', clock),
    version: 7,
    objectName: 'weights/v7',
    bytes: 1_632_000,
    sha256: 'ab'.repeat(32),
    step: 700,
    createdAt: T0,
    ...over,
  };
}

export function heartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    ...envelope('heartbeat', 'hb-1', clock),
    actorId: 'rollout-0',
    kind: 'rollout',
    pid: 1234,
    host: 'box',
    policyVersion: -1,
    inFlight: 2,
    handled: 100,
    ...over,
  };
}

export function deadLetter(over: Partial<DeadLetter> = {}): DeadLetter {
  return {
    ...envelope('dead.letter', 'dl-1', clock),
    reason: 'not a msgpack value',
    subject: 'saturn.test.rollout.req.probe',
    raw: Buffer.from([0xc1, 0xff, 0x00]),
    receivedAt: T0,
    actor: 'rollout-0',
    seq: 12,
    ...over,
  };
}

export function metricsRecord(over: Partial<MetricsRecord> = {}): MetricsRecord {
  return {
    ...envelope('metrics.record', 'm-1', clock),
    name: 'rollout',
    step: 10,
    values: { reward_std: 0.25, frac_zero_std: 0.5, approx_kl: Number.NaN },
    ...over,
  };
}

export function controlRequest(over: Partial<ControlRequest> = {}): ControlRequest {
  return { ...envelope('control.request', 'c-1', clock), cmd: 'status', args: { verbose: true }, ...over };
}

export function controlReply(over: Partial<ControlReply> = {}): ControlReply {
  return {
    ...envelope('control.reply', 'c-1r', clock),
    requestId: 'c-1',
    ok: true,
    data: { policyVersion: 4, stopping: false, phase: 'train', note: null },
    ...over,
  };
}

export function poolEntry(over: Partial<PoolEntryMessage> & Record<string, unknown> = {}): PoolEntryMessage {
  return {
    ...envelope('pool.entry', 'p-1', clock),
    questionId: 'easy:17',
    split: 'easy',
    prompt: '12+34+56=',
    answer: '102',
    prefix: [5, 6, 7],
    prefixText: '012',
    fraction: 0.5,
    sourceFailure: '012+034=0046;#46',
    selection: { successes: 8, trials: 16 },
    pHat: 0.5,
    low: 0.28,
    high: 0.72,
    observations: 16,
    recent: [{ successes: 8, trials: 16, policyVersion: 3 }],
    policyVersion: 3,
    generation: 0,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  } as PoolEntryMessage;
}
