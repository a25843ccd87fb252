import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  decode,
  encode,
  PROTOCOL_VERSION,
  ValidationError,
  type Message,
  type MessageType,
} from '../../../src/protocol/index.ts';
import * as make from '../../helpers/messages.ts';

const examples: Array<[MessageType, Message]> = [
  ['rollout.request', make.rolloutRequest({ attempt: 2 })],
  ['rollout.result', make.rolloutResult()],
  ['weights.announcement', make.weightsAnnouncement()],
  ['heartbeat', make.heartbeat()],
  ['dead.letter', make.deadLetter()],
  ['metrics.record', make.metricsRecord()],
  ['control.request', make.controlRequest()],
  ['control.reply', make.controlReply()],
  ['pool.entry', make.poolEntry()],
];

// A plain packer, as a peer that ignores our conventions would use.
const plain = new Packr({ moreTypes: true, useRecords: false });

describe('codec - round trip', () => {
  it.each(examples)('codec - %s survives encode → decode unchanged', (type, msg) => {
    const r = decode(encode(msg), type);
    expect(r.ok, r.ok ? '' : r.reason).toBe(true);
    if (r.ok) expect(r.value).toEqual(msg);
  });

  it('codec - typed arrays come back as the same typed arrays with the same contents', () => {
    const req = make.rolloutRequest({ prompt: new Int32Array([1, -7, 2 ** 31 - 1, -(2 ** 31)]) });
    const res = make.rolloutResult();
    const r1 = decode(encode(req), 'rollout.request');
    const r2 = decode(encode(res), 'rollout.result');
    if (!r1.ok || !r2.ok) throw new Error('decode failed');
    expect(r1.value.prompt).toBeInstanceOf(Int32Array);
    expect(Array.from(r1.value.prompt)).toEqual([1, -7, 2 ** 31 - 1, -(2 ** 31)]);
    expect(r2.value.samples[0].tokens).toBeInstanceOf(Int32Array);
    expect(r2.value.samples[0].logProbs).toBeInstanceOf(Float32Array);
    expect(Array.from(r2.value.samples[0].logProbs)).toEqual([-0.5, -1.25, -0.125]);
  });

  it('codec - a typed-array view into a larger buffer encodes only its own elements', () => {
    const big = new Int32Array([9, 9, 1, 2, 3, 9]);
    const r = decode(encode(make.rolloutRequest({ prompt: big.subarray(2, 5), prefixLength: 0 })), 'rollout.request');
    expect(r.ok && Array.from(r.value.prompt)).toEqual([1, 2, 3]);
  });

  it('codec - dead-letter raw bytes are msgpack bin and come back as bytes', () => {
    const bytes = encode(make.deadLetter({ raw: new Uint8Array([1, 2, 3]) }));
    // 0xc4 0x03 = bin8 of length 3, followed by the bytes themselves.
    expect(Buffer.from(bytes).includes(Buffer.from([0xc4, 3, 1, 2, 3]))).toBe(true);
    const r = decode(bytes, 'dead.letter');
    expect(r.ok && Array.from(r.value.raw)).toEqual([1, 2, 3]);
  });

  it('codec - typed arrays use msgpackr ext 0x74 with code 5 (Int32) and 7 (Float32), little-endian', () => {
    const bytes = Buffer.from(encode(make.rolloutResult({ samples: [{ tokens: new Int32Array([258]), logProbs: new Float32Array([1]), reward: 1, stopped: true }] })));
    // ext8 (0xc7), length 5 = 1 code byte + 4 data bytes, ext type 0x74, code 5, 258 little-endian.
    expect(bytes.includes(Buffer.from([0xc7, 5, 0x74, 5, 2, 1, 0, 0]))).toBe(true);
    // Float32 1.0 = 0x3f800000, little-endian.
    expect(bytes.includes(Buffer.from([0xc7, 5, 0x74, 7, 0, 0, 0x80, 0x3f]))).toBe(true);
  });

  it('codec - undefined optional fields are left out and nil optional fields read as absent', () => {
    const bytes = encode(make.rolloutRequest({ attempt: undefined }));
    expect(Object.keys(plain.unpack(bytes))).not.toContain('attempt');
    const withNil = plain.pack({ ...make.rolloutRequest(), attempt: null });
    const r = decode(withNil, 'rollout.request');
    expect(r.ok && 'attempt' in r.value).toBe(false);
  });

  it('codec - decodes messages a peer wrote with msgpackr records and uint64 integers', () => {
    const records = new Packr({ moreTypes: true });
    expect(decode(records.pack(make.heartbeat()), 'heartbeat').ok).toBe(true);
    // A Go/Rust peer may write every integer as uint64 (0xcf); they must still read as numbers.
    const hb = Buffer.from(plain.pack({ ...make.heartbeat(), pid: 0x12345678 }));
    const at = hb.indexOf(Buffer.from([0xce, 0x12, 0x34, 0x56, 0x78]));
    const widened = Buffer.concat([hb.subarray(0, at), Buffer.from([0xcf, 0, 0, 0, 0]), hb.subarray(at + 1)]);
    const r = decode(widened, 'heartbeat');
    expect(r.ok && r.value.pid).toBe(0x12345678);
  });
});

describe('codec - rejects', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['text', Buffer.from('hello, world')],
    ['a lone 0xc1', new Uint8Array([0xc1])],
    ['a truncated array32', new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['a msgpack array', plain.pack([1, 2, 3])],
    ['a msgpack string', plain.pack('rollout.request')],
    ['a valid message with trailing bytes', Buffer.concat([encode(make.heartbeat()), Buffer.from([1])])],
  ])('codec - garbage (%s) is malformed, not an exception', (_name, bytes) => {
    const r = decode(bytes, 'heartbeat');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('malformed');
      expect(r.reason).toMatch(/msgpack/);
    }
  });

  it('codec - another protocol version is reported as such, whatever else is wrong', () => {
    const r = decode(plain.pack({ v: PROTOCOL_VERSION + 1, type: 'heartbeat', shiny: true }), 'heartbeat');
    expect(r).toEqual({
      ok: false,
      code: 'version',
      reason: `unsupported protocol version: v: expected protocol version ${PROTOCOL_VERSION}, got ${PROTOCOL_VERSION + 1}`,
    });
  });

  it('codec - a message of another type is reported as the wrong type', () => {
    const r = decode(encode(make.heartbeat()), 'rollout.request');
    expect(r.ok === false && r.code).toBe('type');
    expect(r.ok === false && r.reason).toContain('type: expected "rollout.request", got "heartbeat"');
  });

  it('codec - a wrong shape names the field', () => {
    const r = decode(plain.pack({ ...make.rolloutRequest(), prompt: [1, 2, 3] }), 'rollout.request');
    expect(r).toEqual({
      ok: false,
      code: 'invalid',
      reason: 'invalid rollout.request: prompt: expected an Int32Array, got Array(3)',
    });
  });

  it('codec - an oversized token array is a validation failure naming the limit', () => {
    const prompt = new Int32Array(DEFAULT_LIMITS.maxTokens + 1);
    const r = decode(plain.pack({ ...make.rolloutRequest(), prompt }), 'rollout.request');
    expect(r.ok === false && r.reason).toBe(
      `invalid rollout.request: prompt: expected at most ${DEFAULT_LIMITS.maxTokens} elements, got Int32Array(${DEFAULT_LIMITS.maxTokens + 1})`,
    );
    // Limits are configurable per receiver.
    const tight = { ...DEFAULT_LIMITS, maxTokens: 4 };
    expect(decode(encode(make.rolloutRequest()), 'rollout.request', tight).ok).toBe(false);
  });

  it('codec - encode refuses an invalid message with a ValidationError naming the field', () => {
    const bad = make.rolloutResult({ samples: [{ tokens: new Int32Array(2), logProbs: new Float32Array(3), reward: 1, stopped: true }] });
    expect(() => encode(bad)).toThrow(ValidationError);
    expect(() => encode(bad)).toThrow('samples[0].logProbs: expected one log-prob per token (2), got Float32Array(3)');
  });
});
