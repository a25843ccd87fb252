import { describe, expect, it } from 'vitest';
import { validateMessage, ValidationError, type MessageType } from '../../../src/protocol/index.ts';
import * as make from '../../helpers/messages.ts';

/** The message `validateMessage` throws for `value` as `type`. */
function failure(value: unknown, type: MessageType): string {
  try {
    validateMessage(value, type);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  throw new Error('expected a validation failure');
}

const sample = { tokens: new Int32Array([1]), logProbs: new Float32Array([-1]), reward: 1, stopped: true };

describe('validate - each failure names the field path and what was expected', () => {
  it.each<[string, unknown, MessageType, string]>([
    ['not a map', [1, 2], 'heartbeat', '(root): expected a map, got Array(2)'],
    ['missing id', { ...make.heartbeat(), id: undefined }, 'heartbeat', 'id: expected an id of 1–200 characters without whitespace or control characters, got nothing (missing)'],
    ['id with spaces', { ...make.heartbeat(), id: 'a b' }, 'heartbeat', 'id: expected an id of 1–200 characters without whitespace or control characters, got "a b"'],
    ['negative ts', { ...make.heartbeat(), ts: -1 }, 'heartbeat', 'ts: expected a finite number ≥ 0, got -1'],
    ['bad run id', make.rolloutRequest({ run: 'a.b' }), 'rollout.request', 'run: expected a run id of 1–64 characters from [A-Za-z0-9_-], got "a.b"'],
    ['unknown kind', make.rolloutRequest({ kind: 'dream' as never }), 'rollout.request', 'kind: expected one of probe, sweep, train, got "dream"'],
    ['prompt as Float32Array', make.rolloutRequest({ prompt: new Float32Array(3) as never }), 'rollout.request', 'prompt: expected an Int32Array, got Float32Array(3)'],
    ['empty prompt', make.rolloutRequest({ prompt: new Int32Array(0), prefixLength: 0 }), 'rollout.request', 'prompt: expected at least 1 token, got Int32Array(0)'],
    ['prefix longer than prompt', make.rolloutRequest({ prefixLength: 6 }), 'rollout.request', 'prefixLength: expected an integer in [0, 5], got 6'],
    ['n of zero', make.rolloutRequest({ n: 0 }), 'rollout.request', 'n: expected an integer in [1, 1024], got 0'],
    ['fractional n', make.rolloutRequest({ n: 1.5 }), 'rollout.request', 'n: expected an integer in [1, 1024], got 1.5'],
    ['sampling missing', { ...make.rolloutRequest(), sampling: undefined }, 'rollout.request', 'sampling: expected a map, got nothing (missing)'],
    ['topP of 0', make.rolloutRequest({ sampling: { temperature: 1, topP: 0, maxTokens: 8, seed: 1 } }), 'rollout.request', 'sampling.topP: expected a number in (0, 1], got 0'],
    ['NaN temperature', make.rolloutRequest({ sampling: { temperature: NaN, topP: 1, maxTokens: 8, seed: 1 } }), 'rollout.request', 'sampling.temperature: expected a finite number ≥ 0, got NaN'],
    ['seed beyond uint32', make.rolloutRequest({ sampling: { temperature: 1, topP: 1, maxTokens: 8, seed: 2 ** 32 } }), 'rollout.request', 'sampling.seed: expected an integer in [0, 4294967295], got 4294967296'],
    ['attempt 0', make.rolloutRequest({ attempt: 0 }), 'rollout.request', 'attempt: expected an integer ≥ 1, got 0'],
    ['result id differs from request id', make.rolloutResult({ requestId: 'other' }), 'rollout.result', 'id: expected the request id "other", got "req-1"'],
    ['no samples', make.rolloutResult({ samples: [] }), 'rollout.result', 'samples: expected an array of 1–1024 elements, got Array(0)'],
    ['tokens as plain array', make.rolloutResult({ samples: [sample, { ...sample, tokens: [1] as never }] }), 'rollout.result', 'samples[1].tokens: expected an Int32Array, got Array(1)'],
    ['logProbs as Float64Array', make.rolloutResult({ samples: [{ ...sample, logProbs: new Float64Array(1) as never }] }), 'rollout.result', 'samples[0].logProbs: expected a Float32Array, got Float64Array(1)'],
    ['stopped missing', make.rolloutResult({ samples: [{ ...sample, stopped: undefined as never }] }), 'rollout.result', 'samples[0].stopped: expected a boolean, got nothing (missing)'],
    ['NaN log-prob', make.rolloutResult({ samples: [sample, { ...sample, logProbs: new Float32Array([NaN]) }] }), 'rollout.result', 'samples[1].logProbs[0]: expected a finite number, got NaN'],
    ['infinite log-prob', make.rolloutResult({ samples: [{ ...sample, tokens: new Int32Array(2), logProbs: new Float32Array([-1, -Infinity]) }] }), 'rollout.result', 'samples[0].logProbs[1]: expected a finite number, got -Infinity'],
    ['infinite reward', make.rolloutResult({ samples: [{ ...sample, reward: Infinity }] }), 'rollout.result', 'samples[0].reward: expected a finite number, got Infinity'],
    ['dead letter hash not hex', make.deadLetter({ rawSha256: 'xyz' }), 'dead.letter', 'rawSha256: expected 64 lowercase hex digits, got "xyz"'],
    ['pool entry p̂ NaN', make.poolEntry({ pHat: NaN }), 'pool.entry', 'pHat: expected a finite number in [0, 1], got NaN'],
    ['pool entry more successes than trials', make.poolEntry({ selection: { successes: 9, trials: 8 } }), 'pool.entry', 'selection.successes: expected an integer in [0, 8], got 9'],
    ['pool entry prefix of strings', make.poolEntry({ prefix: ['a'] as never }), 'pool.entry', 'prefix[0]: expected an integer in [0, 2147483647], got "a"'],
    ['pool entry without questionId', make.poolEntry({ questionId: undefined }), 'pool.entry', 'questionId: expected an id of 1–200 characters without whitespace or control characters, got nothing (missing)'],
    ['pool entry recent version missing', make.poolEntry({ recent: [{ successes: 1, trials: 2 } as never] }), 'pool.entry', 'recent[0].policyVersion: expected an integer ≥ 0, got nothing (missing)'],
    ['oversized sample', make.rolloutResult({ samples: [{ ...sample, tokens: new Int32Array(5000), logProbs: new Float32Array(5000) }] }), 'rollout.result', 'samples[0].tokens: expected at most 4096 elements, got Int32Array(5000)'],
    ['sha256 upper case', make.weightsAnnouncement({ sha256: 'AB'.repeat(32) }), 'weights.announcement', 'sha256: expected 64 lowercase hex digits, got a string of 64 characters'],
    ['heartbeat policy version -2', make.heartbeat({ policyVersion: -2 }), 'heartbeat', 'policyVersion: expected an integer ≥ -1, got -2'],
    ['dead letter raw as string', make.deadLetter({ raw: 'abc' as never }), 'dead.letter', 'raw: expected bytes, got "abc"'],
    ['metric value as string', make.metricsRecord({ values: { loss: '1' as never } }), 'metrics.record', 'values.loss: expected a number, got "1"'],
    ['NaN control argument', make.controlRequest({ args: { n: NaN } }), 'control.request', 'args.n: expected a finite number, got NaN'],
    ['unknown control command', make.controlRequest({ cmd: 'reboot' as never }), 'control.request', 'cmd: expected one of refresh, stop, status, got "reboot"'],
    ['nested control data', make.controlReply({ data: { deep: { x: 1 } as never } }), 'control.reply', 'data.deep: expected a string, finite number, boolean or nil, got a map'],
  ])('validate - %s', (_name, value, type, message) => {
    expect(failure(value, type)).toBe(message);
  });

  it('validate - unknown fields are kept, so senders can add optional fields', () => {
    const v = validateMessage({ ...make.heartbeat(), gpu: 'none' }, 'heartbeat') as unknown as Record<string, unknown>;
    expect(v.gpu).toBe('none');
  });

  it('validate - metric values may be NaN or infinite', () => {
    expect(() => validateMessage(make.metricsRecord({ values: { a: NaN, b: -Infinity } }), 'metrics.record')).not.toThrow();
  });
});
