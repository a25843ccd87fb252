/**
 * Runtime validation of every message type: the check each receiver runs at its edge before a
 * decoded value is trusted as a typed message. Hand-written (no schema library) so the rules are
 * all here to read, and each failure names the field path and what was expected.
 *
 * Unknown fields are accepted and kept, so a newer sender may add optional fields without a
 * version bump. An optional field may be absent or nil; nil is removed so that downstream code
 * only ever sees "absent".
 */
import * as c from './check.ts';
import { ValidationError } from './errors.ts';
import {
  DEFAULT_LIMITS,
  MESSAGE_TYPES,
  type Limits,
  type MessageByType,
  type MessageType,
} from './messages.ts';
import { CONTROL_COMMANDS, ROLLOUT_KINDS } from './subjects.ts';
import { PROTOCOL_VERSION } from './version.ts';

type BodyCheck = (m: c.Fields, limits: Limits) => void;

const TYPE_NAMES = Object.values(MESSAGE_TYPES);
const UINT32_MAX = 2 ** 32 - 1;

/**
 * `value` typed as the message `type` when it is one; throws {@link ValidationError} naming the
 * first bad field otherwise. The envelope is checked first, in the order `v`, `type`, `id`, `ts`,
 * so a message from another protocol version fails on `v` whatever else changed.
 */
export function validateMessage<T extends MessageType>(
  value: unknown,
  type: T,
  limits: Limits = DEFAULT_LIMITS,
): MessageByType[T] {
  const m = c.object(value, '');
  if (m.v !== PROTOCOL_VERSION) {
    throw new ValidationError('v', `protocol version ${PROTOCOL_VERSION}`, c.describe(m.v));
  }
  if (m.type !== type) {
    const expected = `"${type}"`;
    throw new ValidationError('type', expected, c.describe(m.type));
  }
  c.id(m.id, 'id');
  c.finite(m.ts, 'ts', 0);
  BODIES[type](m, limits);
  return m as unknown as MessageByType[T];
}

/** True when `type` is one of the protocol's message types. */
export function isMessageType(type: unknown): type is MessageType {
  return TYPE_NAMES.includes(type as MessageType);
}

// Optional fields: absent or nil mean "not given"; nil is dropped so readers see one form.
function optional(m: c.Fields, key: string, check: (value: unknown) => void): void {
  if (m[key] === null) delete m[key];
  if (m[key] !== undefined) check(m[key]);
}

function scalarMap(value: unknown, path: string, limits: Limits): void {
  const map = c.object(value, path);
  for (const [key, v] of Object.entries(map)) {
    const p = c.at(path, key);
    if (typeof v === 'string') c.string(v, p, limits.maxString, true);
    else if (typeof v === 'number') c.finite(v, p);
    else if (!(v === null || typeof v === 'boolean')) {
      throw new ValidationError(p, 'a string, finite number, boolean or nil', c.describe(v));
    }
  }
}

const rolloutRequest: BodyCheck = (m, limits) => {
  if (typeof m.run !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(m.run)) {
    throw new ValidationError('run', 'a run id of 1–64 characters from [A-Za-z0-9_-]', c.describe(m.run));
  }
  c.oneOf(m.kind, 'kind', ROLLOUT_KINDS);
  c.id(m.groupId, 'groupId');
  c.id(m.questionId, 'questionId');
  c.string(m.split, 'split', 64);
  c.string(m.question, 'question', limits.maxString);
  c.string(m.answer, 'answer', limits.maxString);
  const prompt = c.int32Array(m.prompt, 'prompt', limits.maxTokens);
  if (prompt.length === 0) throw new ValidationError('prompt', 'at least 1 token', 'Int32Array(0)');
  c.integer(m.prefixLength, 'prefixLength', 0, prompt.length);
  c.integer(m.n, 'n', 1, limits.maxSamples);
  const s = c.object(m.sampling, 'sampling');
  c.finite(s.temperature, 'sampling.temperature', 0);
  const topP = c.finite(s.topP, 'sampling.topP', 0, 1);
  if (topP === 0) throw new ValidationError('sampling.topP', 'a number in (0, 1]', '0');
  c.integer(s.maxTokens, 'sampling.maxTokens', 1, limits.maxTokens);
  c.integer(s.seed, 'sampling.seed', 0, UINT32_MAX);
  c.integer(m.minPolicyVersion, 'minPolicyVersion', 0);
  c.finite(m.createdAt, 'createdAt', 0);
  optional(m, 'attempt', (v) => c.integer(v, 'attempt', 1));
};

const rolloutResult: BodyCheck = (m, limits) => {
  c.id(m.requestId, 'requestId');
  if (m.requestId !== m.id) {
    throw new ValidationError('id', `the request id ${JSON.stringify(m.requestId)}`, c.describe(m.id));
  }
  c.string(m.actorId, 'actorId', 200);
  c.integer(m.policyVersion, 'policyVersion', 0);
  const samples = c.array(m.samples, 'samples', limits.maxSamples, 1);
  samples.forEach((raw, i) => {
    const path = c.at('samples', i);
    const s = c.object(raw, path);
    const tokens = c.int32Array(s.tokens, c.at(path, 'tokens'), limits.maxTokens);
    const logProbs = c.float32Array(s.logProbs, c.at(path, 'logProbs'), limits.maxTokens);
    if (logProbs.length !== tokens.length) {
      throw new ValidationError(
        c.at(path, 'logProbs'),
        `one log-prob per token (${tokens.length})`,
        c.describe(logProbs),
      );
    }
    c.finite(s.reward, c.at(path, 'reward'));
    c.boolean(s.stopped, c.at(path, 'stopped'));
  });
  c.id(m.questionId, 'questionId');
  c.id(m.groupId, 'groupId');
  c.oneOf(m.kind, 'kind', ROLLOUT_KINDS);
  optional(m, 'prompt', (v) => c.int32Array(v, 'prompt', limits.maxTokens));
  c.finite(m.durationMs, 'durationMs', 0);
};

const weightsAnnouncement: BodyCheck = (m, limits) => {
  c.integer(m.version, 'version', 0);
  c.string(m.objectName, 'objectName', limits.maxString);
  c.integer(m.bytes, 'bytes', 0);
  sha256(m.sha256, 'sha256');
  c.integer(m.step, 'step', 0);
  c.finite(m.createdAt, 'createdAt', 0);
};

const heartbeat: BodyCheck = (m) => {
  c.string(m.actorId, 'actorId', 200);
  c.string(m.kind, 'kind', 64);
  c.integer(m.pid, 'pid', 0);
  c.string(m.host, 'host', 255);
  c.integer(m.policyVersion, 'policyVersion', -1);
  c.integer(m.inFlight, 'inFlight', 0);
  c.integer(m.handled, 'handled', 0);
};

const deadLetter: BodyCheck = (m, limits) => {
  c.string(m.reason, 'reason', limits.maxString);
  c.string(m.subject, 'subject', limits.maxString);
  c.bytes(m.raw, 'raw', limits.maxRawBytes);
  optional(m, 'rawBytes', (v) => c.integer(v, 'rawBytes', 0));
  optional(m, 'rawSha256', (v) => sha256(v, 'rawSha256'));
  c.finite(m.receivedAt, 'receivedAt', 0);
  c.string(m.actor, 'actor', 200);
  optional(m, 'seq', (v) => c.integer(v, 'seq', 1));
};

const metricsRecord: BodyCheck = (m, limits) => {
  c.string(m.name, 'name', 128);
  c.integer(m.step, 'step', 0);
  const values = c.object(m.values, 'values');
  for (const [key, v] of Object.entries(values)) {
    c.string(key, 'values (key)', limits.maxString);
    c.number(v, c.at('values', key));
  }
};

const controlRequest: BodyCheck = (m, limits) => {
  c.oneOf(m.cmd, 'cmd', CONTROL_COMMANDS);
  optional(m, 'args', (v) => scalarMap(v, 'args', limits));
};

const controlReply: BodyCheck = (m, limits) => {
  c.id(m.requestId, 'requestId');
  c.boolean(m.ok, 'ok');
  optional(m, 'error', (v) => c.string(v, 'error', limits.maxString));
  optional(m, 'data', (v) => scalarMap(v, 'data', limits));
};

function sha256(value: unknown, path: string): void {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new ValidationError(path, '64 lowercase hex digits', c.describe(value));
  }
}

// Bounds a pool entry's history: the selector keeps ~64 recent trials, a few groups' worth.
const MAX_RECENT = 1024;

const poolEntry: BodyCheck = (m, limits) => {
  c.id(m.questionId, 'questionId');
  c.string(m.split, 'split', 64);
  c.string(m.prompt, 'prompt', limits.maxString);
  c.string(m.answer, 'answer', limits.maxString);
  c.array(m.prefix, 'prefix', limits.maxTokens).forEach((t, i) => c.integer(t, c.at('prefix', i), 0, 2 ** 31 - 1));
  c.string(m.prefixText, 'prefixText', limits.maxString, true);
  c.finite(m.fraction, 'fraction', 0, 1);
  c.string(m.sourceFailure, 'sourceFailure', limits.maxString, true);
  trials(m.selection, 'selection');
  for (const key of ['pHat', 'low', 'high']) c.finite(m[key], key, 0, 1);
  c.integer(m.observations, 'observations', 0);
  c.array(m.recent, 'recent', MAX_RECENT).forEach((o, i) => {
    trials(o, c.at('recent', i));
    c.integer((o as c.Fields).policyVersion, c.at(c.at('recent', i), 'policyVersion'), 0);
  });
  c.integer(m.policyVersion, 'policyVersion', 0);
  c.integer(m.generation, 'generation', 0);
  c.finite(m.createdAt, 'createdAt', 0);
  c.finite(m.updatedAt, 'updatedAt', 0);
};

// `{ successes, trials }` with 0 ≤ successes ≤ trials.
function trials(value: unknown, path: string): void {
  const t = c.object(value, path);
  const n = c.integer(t.trials, c.at(path, 'trials'), 0);
  c.integer(t.successes, c.at(path, 'successes'), 0, n);
}

const BODIES: Record<MessageType, BodyCheck> = {
  'rollout.request': rolloutRequest,
  'rollout.result': rolloutResult,
  'weights.announcement': weightsAnnouncement,
  heartbeat,
  'dead.letter': deadLetter,
  'metrics.record': metricsRecord,
  'control.request': controlRequest,
  'control.reply': controlReply,
  'pool.entry': poolEntry,
};
