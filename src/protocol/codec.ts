/**
 * Bytes ⇄ messages. Messages are msgpack maps encoded by msgpackr with `moreTypes`, so typed
 * arrays travel as msgpackr's typed-array extension (ext type 0x74; docs/protocol.md has the
 * byte layout) instead of being flattened into Buffers.
 *
 * `encode` validates before packing, so nothing invalid leaves a process; `decode` never throws:
 * any bytes, however broken, come back as `{ ok: false, reason }` for the dead-letter path.
 */
import { Packr } from 'msgpackr';
import { isPlainObject } from './check.ts';
import { ValidationError } from './errors.ts';
import { DEFAULT_LIMITS, type Limits, type Message, type MessageByType, type MessageType } from './messages.ts';
import { validateMessage } from './validate.ts';

// useRecords: false writes standard msgpack maps (msgpackr's record extension 0x72 would force
// every other-language peer to implement it); records from a JS peer still decode.
// int64AsType 'auto': a peer that writes small integers as uint64 (Go, Rust) still yields
// numbers; only integers beyond 2^53 become bigint, which validation then rejects. (msgpackr's
// typings lag its runtime, which accepts 'auto'.)
const packr = new Packr({
  moreTypes: true,
  useRecords: false,
  int64AsType: 'auto' as 'number',
});

/** Why bytes were rejected, coarsely, for counters; the `reason` string has the details. */
export type DecodeFailureCode =
  /** Not a single msgpack value, or not a map. */
  | 'malformed'
  /** A map from another protocol version (`v` differs). */
  | 'version'
  /** A valid envelope of another message type than the one expected on this subject. */
  | 'type'
  /** The right type and version, but a field is missing or out of range. */
  | 'invalid';

/** The outcome of {@link decode}. */
export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly reason: string };

/**
 * `msg` as bytes. Throws {@link ValidationError} (naming the field) when `msg` is not a valid
 * message of its `type`: a sender's bug, better caught before publishing than by every receiver.
 * Fields set to `undefined` are left out; plain `Uint8Array`s are written as msgpack bin.
 */
export function encode(msg: Message, limits: Limits = DEFAULT_LIMITS): Uint8Array {
  const wire = normalize(msg) as Message;
  validateMessage(wire, wire.type, limits);
  return packr.pack(wire);
}

/**
 * The message of type `expectedType` in `bytes`, or why there is none. Never throws.
 *
 * @example
 * const r = decode(msg.data, 'rollout.request');
 * if (!r.ok) return deadLetter(r.reason);
 * r.value.prompt; // Int32Array
 */
export function decode<T extends MessageType>(
  bytes: Uint8Array,
  expectedType: T,
  limits: Limits = DEFAULT_LIMITS,
): DecodeResult<MessageByType[T]> {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    return fail('malformed', `not a msgpack value: ${(err as Error).message}`);
  }
  if (!isPlainObject(value)) return fail('malformed', 'not a msgpack map (message envelope)');
  try {
    return { ok: true, value: validateMessage(value, expectedType, limits) };
  } catch (err) {
    if (!(err instanceof ValidationError)) return fail('invalid', String(err));
    if (err.path === 'v') return fail('version', `unsupported protocol version: ${err.message}`);
    if (err.path === 'type') return fail('type', `wrong message type: ${err.message}`);
    return fail('invalid', `invalid ${expectedType}: ${err.message}`);
  }
}

function fail(code: DecodeFailureCode, reason: string): DecodeResult<never> {
  return { ok: false, code, reason };
}

// A copy fit for the wire: no undefined fields (msgpackr would write a non-standard ext for
// them) and byte arrays as Buffers (written as msgpack bin rather than typed-array ext code 1).
function normalize(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = normalize(v);
    return out;
  }
  return value;
}
