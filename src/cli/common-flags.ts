import type { FlagSpec } from './flags.ts';

/** The checkpoint commands read by default: small, committed, reproducible by `saturn pretrain`. */
export const DEFAULT_CHECKPOINT = 'checkpoints/arithmetic.ckpt';

export const BACKEND_FLAG = { type: 'string', description: 'tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (or SATURN_BACKEND)', default: 'auto' } as const satisfies FlagSpec;
export const JSON_FLAG = { type: 'boolean', description: 'print one JSON document on stdout', default: false } as const satisfies FlagSpec;
export const CHECKPOINT_FLAG = { type: 'string', description: 'policy checkpoint', default: DEFAULT_CHECKPOINT } as const satisfies FlagSpec;
