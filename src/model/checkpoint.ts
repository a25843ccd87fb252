import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { ConfigError, SaturnError } from '../errors.ts';
import { AdamW, adamWConfig, type AdamWConfig } from './adamw.ts';
import { configDifferences, policyConfig, type PolicyConfig } from './config.ts';
import { paramSpecs } from './params.ts';
import { Policy } from './policy.ts';

// Layout: 8-byte magic, u32 format version, u32 header length, JSON header, zero padding to a
// multiple of 4, then every tensor's float32 values in the order the header lists them; from
// format 2 on, the SHA-256 of everything before it as a 32-byte trailer. Format 1 (no trailer)
// still loads, unchecked: checkpoints written before the trailer existed.
const MAGIC = 'SATURNCK';
const FORMAT_VERSION = 2;
const CHECKSUM_BYTES = 32;

/** What a checkpoint says about itself besides tensors: free-form run counters and provenance. */
export type CheckpointMeta = Record<string, unknown>;

interface TensorEntry {
  name: string;
  shape: number[];
}

interface Header {
  config: PolicyConfig;
  optimizer: { config: AdamWConfig; step: number } | null;
  tensors: TensorEntry[];
  meta: CheckpointMeta;
}

/** A policy, optionally its optimiser state, and metadata, as one byte buffer. */
export async function serializeCheckpoint(policy: Policy, optimizer?: AdamW, meta: CheckpointMeta = {}): Promise<Uint8Array> {
  const tensors: Array<[string, tf.Tensor]> = [...policy.params.entries()];
  if (optimizer) {
    for (const [name, m] of optimizer.first) tensors.push([`adam.m.${name}`, m]);
    for (const [name, v] of optimizer.second) tensors.push([`adam.v.${name}`, v]);
  }
  const header: Header = {
    config: policy.config,
    optimizer: optimizer ? { config: optimizer.config, step: optimizer.step } : null,
    tensors: tensors.map(([name, t]) => ({ name, shape: t.shape })),
    meta,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(16 + json.length);
  const dataEnd = dataStart + tensors.reduce((n, [, t]) => n + t.size * 4, 0);
  const out = new Uint8Array(dataEnd + CHECKSUM_BYTES);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  let offset = dataStart;
  for (const [, t] of tensors) {
    const values = (await t.data()) as Float32Array;
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    offset += values.byteLength;
  }
  out.set(sha256(out.subarray(0, dataEnd)), dataEnd);
  return out;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** A loaded checkpoint; `optimizer` is present when the checkpoint holds optimiser state. */
export interface LoadedCheckpoint {
  policy: Policy;
  optimizer?: AdamW;
  meta: CheckpointMeta;
}

/**
 * Rebuilds a policy (and optimiser) from `serializeCheckpoint` bytes. With `expect`, a config that
 * differs is an error listing every differing field. Any malformed part is an error naming it.
 */
export function loadCheckpoint(bytes: Uint8Array, options: { expect?: PolicyConfig; source?: string } = {}): LoadedCheckpoint {
  const source = options.source ?? 'checkpoint';
  const fail = (what: string): never => {
    throw new SaturnError(`${source}: ${what}`);
  };
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not a saturn checkpoint (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION && version !== 1) fail(`format version ${version} is not supported (expected 1 or ${FORMAT_VERSION})`);
  if (version >= 2) {
    // Checked before anything is parsed: a flipped bit in a tensor would otherwise load silently.
    if (bytes.length < 16 + CHECKSUM_BYTES) fail('truncated (no room for its checksum)');
    const end = bytes.length - CHECKSUM_BYTES;
    if (Buffer.compare(sha256(bytes.subarray(0, end)), bytes.subarray(end)) !== 0) fail('checksum mismatch: the file is corrupt or truncated (its SHA-256 trailer does not match its contents)');
    bytes = bytes.subarray(0, end);
  }
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Header;
  } catch (cause) {
    throw new SaturnError(`${source}: header is not valid JSON`, { cause });
  }
  let config: PolicyConfig;
  try {
    config = policyConfig(header.config ?? ({} as PolicyConfig));
  } catch (e) {
    if (e instanceof ConfigError) fail(`config ${e.message}`);
    throw e;
  }
  if (options.expect) {
    const diffs = configDifferences(options.expect, config);
    if (diffs.length) fail(`config differs from the expected one: ${diffs.join(', ')}`);
  }
  const entries = new Map((header.tensors ?? []).map((t) => [t.name, t]));
  let offset = align4(16 + headerLength);
  const offsets = new Map<string, number>();
  for (const t of header.tensors ?? []) {
    offsets.set(t.name, offset);
    offset += t.shape.reduce((a, b) => a * b, 1) * 4;
  }
  if (offset > bytes.length) fail(`truncated tensor data (${bytes.length} bytes, header describes ${offset})`);
  // Copy out so the float32 view is aligned whatever the source buffer's offset.
  const data = (name: string, shape: number[]): Float32Array => {
    const entry = entries.get(name);
    if (!entry) fail(`missing tensor ${name}`);
    if (entry!.shape.join('x') !== shape.join('x')) fail(`tensor ${name} has shape [${entry!.shape}], expected [${shape}]`);
    const start = offsets.get(name)!;
    // ArrayBuffer.slice copies (a Buffer's own slice would be a view into a shared pool).
    const from = bytes.byteOffset + start;
    return new Float32Array(bytes.buffer.slice(from, from + shape.reduce((a, b) => a * b, 1) * 4));
  };
  const policy = new Policy(config);
  let optimizer: AdamW | undefined;
  try {
    for (const spec of paramSpecs(config)) assignValues(policy.p(spec.name), data(spec.name, spec.shape), spec.shape);
    if (header.optimizer) {
      optimizer = new AdamW(policy, adamWConfig(header.optimizer.config, `${source}: optimizer`));
      optimizer.step = header.optimizer.step;
      for (const spec of paramSpecs(config)) {
        assignValues(optimizer.first.get(spec.name)!, data(`adam.m.${spec.name}`, spec.shape), spec.shape);
        assignValues(optimizer.second.get(spec.name)!, data(`adam.v.${spec.name}`, spec.shape), spec.shape);
      }
    }
  } catch (e) {
    policy.dispose();
    optimizer?.dispose();
    throw e;
  }
  return { policy, optimizer, meta: header.meta ?? {} };
}

/** Writes a checkpoint atomically (temp file + rename), so a crash never leaves half a file. */
export async function saveCheckpointFile(path: string, policy: Policy, optimizer?: AdamW, meta?: CheckpointMeta): Promise<number> {
  const bytes = await serializeCheckpoint(policy, optimizer, meta);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return bytes.length;
}

export async function loadCheckpointFile(path: string, options: { expect?: PolicyConfig } = {}): Promise<LoadedCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new SaturnError(`checkpoint ${path}: cannot be read (${(cause as Error).message})`, { cause });
  }
  return loadCheckpoint(bytes, { ...options, source: `checkpoint ${path}` });
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** A checkpoint's policy config and metadata, read from its header alone (no tensors, no backend). */
export function checkpointHeader(bytes: Uint8Array, source = 'checkpoint'): { config: PolicyConfig; meta: CheckpointMeta } {
  const { header } = rawHeader(bytes, source);
  return { config: header.config, meta: header.meta ?? {} };
}

/**
 * The same checkpoint with `meta` merged into its metadata, tensors copied byte for byte: how
 * `saturn export checkpoint` records which task a learner's checkpoint was trained on.
 */
export function withCheckpointMeta(bytes: Uint8Array, meta: CheckpointMeta): Uint8Array {
  const { header, dataStart } = rawHeader(bytes, 'checkpoint');
  const json = new TextEncoder().encode(JSON.stringify({ ...header, meta: { ...header.meta, ...meta } }));
  const start = align4(16 + json.length);
  const out = new Uint8Array(start + bytes.length - dataStart);
  out.set(bytes.subarray(0, 12), 0); // magic and format version
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(bytes.subarray(dataStart), start);
  return out;
}

function rawHeader(bytes: Uint8Array, source: string): { header: Header; dataStart: number } {
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new SaturnError(`${source}: not a saturn checkpoint (bad magic)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  if (16 + headerLength > bytes.length) throw new SaturnError(`${source}: truncated header`);
  try {
    return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Header, dataStart: align4(16 + headerLength) };
  } catch (cause) {
    throw new SaturnError(`${source}: header is not valid JSON`, { cause });
  }
}

/**
 * Sets a variable's values. The source tensor is disposed: assign shares its data, and a source
 * left alive kept one tensor per parameter (and its bytes, after the variable went) for every
 * checkpoint loaded, which a rollout actor does on each learner step.
 */
function assignValues(variable: tf.Variable, values: Float32Array, shape: number[]): void {
  const source = tf.tensor(values, shape);
  variable.assign(source);
  source.dispose();
}
