// Attention over a KV cache for one query row, as a tiny hand-assembled WebAssembly SIMD module.
//
// Decoding attends each new token to its own sequence's cache: per row a [1, hd]·[hd, keys] product
// per head, which no 2-D matMul can batch, and which tfjs-wasm runs on its slow batched path. In
// plain JS the dot products ran ~40× slower per FLOP than XNNPACK and took twice the time of all the
// dense products of a decode step; f32x4 arithmetic here closes most of that gap. Softmax stays in
// JS (no exp in wasm). The module is assembled from bytes below because the project has no wasm
// toolchain; it is small enough to read against the spec's opcode table.

// Opcodes (WebAssembly core + SIMD, https://webassembly.github.io/spec/core/binary/instructions.html).
const VOID = 0x40;
const LOOP = 0x03;
const END = 0x0b;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_LT_S = 0x48;
const F32_LOAD = [0x2a, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const F32_ADD = 0x92;
const F32_MUL = 0x94;
const V128_LOAD = [0xfd, 0x00, 0x04, 0x00];
const V128_STORE = [0xfd, 0x0b, 0x04, 0x00];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_SPLAT = [0xfd, 0x13];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const extractLane = (lane: number) => [0xfd, 0x1f, lane];
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const get = (i: number) => [LOCAL_GET, i];
const set = (i: number) => [LOCAL_SET, i];
const konst = (n: number) => [I32_CONST, ...uleb(n)]; // small non-negative constants only
/** local i += n */
const bump = (i: number, n: number) => [...get(i), ...konst(n), I32_ADD, ...set(i)];
/** `body` repeated while local i < local limit (a do-while: the body runs at least once). */
const doWhile = (body: number[], i: number, limit: number) => [LOOP, VOID, ...body, ...get(i), ...get(limit), I32_LT_S, BR_IF, 0, END];
/** base + index·4 */
const floatAddress = (base: number[], index: number[]) => [...base, ...index, ...konst(2), I32_SHL, I32_ADD];

/** For j < keys: `perKey`, then for h < heads: `perHead` (the loop nest both kernels share). */
const overKeysAndHeads = (l: { j: number; h: number; keys: number; heads: number }, perKey: number[], perHead: number[]) =>
  doWhile([...perKey, ...konst(0), ...set(l.h), ...doWhile([...perHead, ...bump(l.h, 1)], l.h, l.heads), ...bump(l.j, 1)], l.j, l.keys);

// scores(q, k, keys, out, d, hd, heads, stride, scale): out[h·stride + j] = scale · q_h · k_j,h
// for j < keys, where q is one row [d] and k the cache [keys, d] (byte addresses).
const S = { q: 0, k: 1, keys: 2, out: 3, d: 4, hd: 5, heads: 6, stride: 7, scale: 8, j: 9, h: 10, e: 11, qp: 12, kp: 13, acc: 14 };
const scoresBody = [
  ...overKeysAndHeads(
    S,
    [...get(S.q), ...set(S.qp), ...get(S.k), ...get(S.j), ...get(S.d), I32_MUL, ...konst(2), I32_SHL, I32_ADD, ...set(S.kp)],
    [
      ...V128_ZERO, ...set(S.acc),
      ...konst(0), ...set(S.e),
      ...doWhile(
        [
          ...get(S.acc), ...get(S.qp), ...V128_LOAD, ...get(S.kp), ...V128_LOAD, ...F32X4_MUL, ...F32X4_ADD, ...set(S.acc),
          ...bump(S.qp, 16), ...bump(S.kp, 16), ...bump(S.e, 4),
        ],
        S.e,
        S.hd,
      ),
      ...floatAddress(get(S.out), [...get(S.h), ...get(S.stride), I32_MUL, ...get(S.j), I32_ADD]),
      ...get(S.acc), ...extractLane(0), ...get(S.acc), ...extractLane(1), F32_ADD,
      ...get(S.acc), ...extractLane(2), F32_ADD, ...get(S.acc), ...extractLane(3), F32_ADD,
      ...get(S.scale), F32_MUL, ...F32_STORE,
    ],
  ),
  END,
];

// mix(p, v, keys, out, d, hd, heads, stride): out[h·hd + e] += Σ_j p[h·stride + j] · v[j, h·hd + e]
// (out is zeroed by the caller).
const M = { p: 0, v: 1, keys: 2, out: 3, d: 4, hd: 5, heads: 6, stride: 7, j: 8, h: 9, e: 10, vp: 11, op: 12, w: 13 };
const mixBody = [
  ...overKeysAndHeads(
    M,
    [...get(M.v), ...get(M.j), ...get(M.d), I32_MUL, ...konst(2), I32_SHL, I32_ADD, ...set(M.vp), ...get(M.out), ...set(M.op)],
    [
      ...floatAddress(get(M.p), [...get(M.h), ...get(M.stride), I32_MUL, ...get(M.j), I32_ADD]), ...F32_LOAD, ...F32X4_SPLAT, ...set(M.w),
      ...konst(0), ...set(M.e),
      ...doWhile(
        [
          ...get(M.op), ...get(M.op), ...V128_LOAD, ...get(M.w), ...get(M.vp), ...V128_LOAD, ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
          ...bump(M.op, 16), ...bump(M.vp, 16), ...bump(M.e, 4),
        ],
        M.e,
        M.hd,
      ),
    ],
  ),
  END,
];

function assemble(): Uint8Array<ArrayBuffer> {
  const scoresType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [F32]]), 0x00];
  const mixType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32]]), 0x00];
  const body = (locals: number[][], code: number[]) => {
    const b = [...vec(locals), ...code];
    return [...uleb(b.length), ...b];
  };
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([scoresType, mixType])),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('scores'), 0x00, 0], [...name('mix'), 0x00, 1]])),
    ...section(10, vec([
      body([[5, I32], [1, V128]], scoresBody),
      body([[5, I32], [1, V128]], mixBody),
    ])),
  ]);
}

/** The module's entry points; addresses are byte offsets into `memory`. */
export interface AttentionKernel {
  memory: WebAssembly.Memory;
  scores(q: number, k: number, keys: number, out: number, d: number, hd: number, heads: number, stride: number, scale: number): void;
  mix(p: number, v: number, keys: number, out: number, d: number, hd: number, heads: number, stride: number): void;
}

let kernel: AttentionKernel | undefined;

/** The kernel, compiled once per process (synchronously: it is a few hundred bytes). */
export function attentionKernel(): AttentionKernel {
  if (!kernel) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble()), {});
    kernel = instance.exports as unknown as AttentionKernel;
  }
  return kernel;
}
