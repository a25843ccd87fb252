/**
 * The messages saturn's actors exchange. Each is a flat msgpack map (see `codec.ts` and
 * docs/protocol.md for the bytes) carrying the common {@link Envelope} plus its own fields.
 * Types only: runtime checks live in `validate.ts`, and nothing here knows about NATS.
 */
import type { PoolEntry } from '../pool/entry.ts';
import type { ControlCommand, RolloutKind } from './subjects.ts';

/** The `type` tag of every message, by message. */
export const MESSAGE_TYPES = {
  rolloutRequest: 'rollout.request',
  rolloutResult: 'rollout.result',
  weightsAnnouncement: 'weights.announcement',
  heartbeat: 'heartbeat',
  deadLetter: 'dead.letter',
  metricsRecord: 'metrics.record',
  controlRequest: 'control.request',
  controlReply: 'control.reply',
  poolEntry: 'pool.entry',
} as const;
export type MessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];

/**
 * Size bounds a receiver enforces, so one malformed or hostile message cannot make it allocate
 * without limit. Senders must stay within them; receivers may be configured more generously.
 */
export interface Limits {
  /** Most token ids in one array (a prompt, or one sample's tokens / log-probs). */
  readonly maxTokens: number;
  /** Most samples one request may ask for and one result may carry. */
  readonly maxSamples: number;
  /** Longest string field, in UTF-16 code units. */
  readonly maxString: number;
  /** Most bytes a dead letter keeps of the message it quarantines. */
  readonly maxRawBytes: number;
}

/** The limits used when none are given. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxTokens: 4096,
  maxSamples: 1024,
  maxString: 4096,
  maxRawBytes: 1024 * 1024,
});

/** Fields every message carries. */
export interface Envelope<T extends MessageType = MessageType> {
  /** Protocol version the sender speaks (`PROTOCOL_VERSION`). */
  readonly v: number;
  /** Which message this is; decides the remaining fields. */
  readonly type: T;
  /** Unique id of this message (for a result: the id of the request it answers). */
  readonly id: string;
  /** When the sender built the message, milliseconds since the Unix epoch. */
  readonly ts: number;
}

/** Sampling parameters of a rollout request. */
export interface SamplingParams {
  /** Softmax temperature; 0 means greedy. */
  readonly temperature: number;
  /** Nucleus mass in (0, 1]; 1 disables nucleus sampling. */
  readonly topP: number;
  /** Most tokens to generate per sample (beyond the prompt). */
  readonly maxTokens: number;
  /** Seed of the sampler, an unsigned 32-bit integer; the same seed and weights repeat a sample. */
  readonly seed: number;
}

/** "Generate `n` continuations of `prompt` with a policy of at least `minPolicyVersion`." */
export interface RolloutRequest extends Envelope<'rollout.request'> {
  /** Run this request belongs to (a receiver on another run's subject dead-letters it). */
  readonly run: string;
  readonly kind: RolloutKind;
  /** Group whose advantages are normalised together (GRPO group, or a sweep candidate). */
  readonly groupId: string;
  readonly questionId: string;
  /** Task split the question comes from (`easy`, `medium`, …). */
  readonly split: string;
  /** The question's text and reference answer: what the task's verifier scores a completion against. */
  readonly question: string;
  readonly answer: string;
  /** Token ids fed to the policy: BOS, the question, then the first `prefixLength` forced tokens. */
  readonly prompt: Int32Array;
  /** How many of the last prompt tokens are a forced failure prefix (0 when unconditioned). */
  readonly prefixLength: number;
  /** Number of samples wanted. */
  readonly n: number;
  readonly sampling: SamplingParams;
  /** Actors holding older weights must fetch newer ones before answering. */
  readonly minPolicyVersion: number;
  /** When the request was first created (ms epoch); survives re-issues, unlike `ts`. */
  readonly createdAt: number;
  /** 1 for the first issue, incremented each time the requester re-issues it; absent means 1. */
  readonly attempt?: number;
}

/** One generated continuation. */
export interface Sample {
  /** Generated token ids (prompt excluded). */
  readonly tokens: Int32Array;
  /** Behaviour log-probability of each generated token under the sampling policy. */
  readonly logProbs: Float32Array;
  /** Verifier's reward for this sample. */
  readonly reward: number;
  /** True when generation ended on a stop token, false when it hit `maxTokens`. */
  readonly stopped: boolean;
}

/** The answer to a {@link RolloutRequest}; its `id` is the request's id. */
export interface RolloutResult extends Envelope<'rollout.result'> {
  /** The id of the answered request; equal to `id`. */
  readonly requestId: string;
  /** Which actor generated it. */
  readonly actorId: string;
  /** Version of the weights that generated every sample. */
  readonly policyVersion: number;
  readonly samples: readonly Sample[];
  readonly questionId: string;
  readonly groupId: string;
  readonly kind: RolloutKind;
  /**
   * The request's `prompt`, echoed: the token ids every sample continues. Optional for foreign
   * actors; a result without it can be trained on only by the actor that sent its request (the
   * learner trains on probe and sweep groups it did not ask for only when they carry it).
   */
  readonly prompt?: Int32Array;
  /** Wall time spent generating and scoring, milliseconds. */
  readonly durationMs: number;
}

/** "Weights of version `version` are in the object store under `objectName`." */
export interface WeightsAnnouncement extends Envelope<'weights.announcement'> {
  readonly version: number;
  /** Object name in the run's weights object store. */
  readonly objectName: string;
  /** Size of the object in bytes. */
  readonly bytes: number;
  /** SHA-256 of the object's bytes, 64 lowercase hex digits. */
  readonly sha256: string;
  /** Learner step that produced these weights. */
  readonly step: number;
  /** When the weights were written (ms epoch). */
  readonly createdAt: number;
}

/** An actor's "still alive" note, written to the state KV and published periodically. */
export interface Heartbeat extends Envelope<'heartbeat'> {
  readonly actorId: string;
  /** Kind of actor: `rollout`, `selector`, `learner`, `controller`, … */
  readonly kind: string;
  readonly pid: number;
  readonly host: string;
  /** Policy version the actor holds (-1 when it holds none yet). */
  readonly policyVersion: number;
  /** Messages taken but not yet acked. */
  readonly inFlight: number;
  /** Messages handled since the actor started. */
  readonly handled: number;
}

/** A message that could not be decoded or validated, quarantined with the reason. */
export interface DeadLetter extends Envelope<'dead.letter'> {
  /** Why it was rejected, e.g. `prompt: expected an Int32Array, got Array(3)`. */
  readonly reason: string;
  /** Subject the message arrived on. */
  readonly subject: string;
  /** The message's bytes as received, or their first bytes when it was too big to copy whole. */
  readonly raw: Uint8Array;
  /** Size of the message as received, bytes (`raw` is all of it when the two agree). */
  readonly rawBytes?: number;
  /** SHA-256 of the whole message as received, 64 lowercase hex digits. */
  readonly rawSha256?: string;
  /** When it was received (ms epoch). */
  readonly receivedAt: number;
  /** Id of the actor that rejected it. */
  readonly actor: string;
  /** Stream sequence of the original, when it came from a stream. */
  readonly seq?: number;
}

/** A set of measurements at one global step, e.g. `{ name: 'rollout', values: { reward_std } }`. */
export interface MetricsRecord extends Envelope<'metrics.record'> {
  /** Metric group; also the last token(s) of the subject it is published on. */
  readonly name: string;
  /** Global step the values belong to. */
  readonly step: number;
  /** Measurements by name; any float64, NaN and ±Infinity included. */
  readonly values: Readonly<Record<string, number>>;
}

/** A scalar argument or status value of the control channel. */
export type ControlValue = string | number | boolean | null;

/** "Do `cmd`", sent with request/reply to `saturn.<run>.control.<cmd>`. */
export interface ControlRequest extends Envelope<'control.request'> {
  readonly cmd: ControlCommand;
  /** Command arguments, e.g. `{ questionIds: 'q1,q2' }` for a targeted refresh. */
  readonly args?: Readonly<Record<string, ControlValue>>;
}

/** The answer to a {@link ControlRequest}. */
export interface ControlReply extends Envelope<'control.reply'> {
  /** Id of the request answered. */
  readonly requestId: string;
  readonly ok: boolean;
  /** Why the command failed, when `ok` is false. */
  readonly error?: string;
  /** What the command reports (for `status`: counters, versions, …). */
  readonly data?: Readonly<Record<string, ControlValue>>;
}

/**
 * A prefix-pool entry as stored in the pool KV bucket (key: base64url of `questionId`): the
 * selector's {@link PoolEntry} in an envelope, so every reader checks it like a message.
 */
export interface PoolEntryMessage extends Envelope<'pool.entry'>, PoolEntry {}

/** Every message, by its `type` tag. */
export interface MessageByType {
  'rollout.request': RolloutRequest;
  'rollout.result': RolloutResult;
  'weights.announcement': WeightsAnnouncement;
  heartbeat: Heartbeat;
  'dead.letter': DeadLetter;
  'metrics.record': MetricsRecord;
  'control.request': ControlRequest;
  'control.reply': ControlReply;
  'pool.entry': PoolEntryMessage;
}

/** Any protocol message. */
export type Message = MessageByType[MessageType];
