/**
 * `saturn/task`: what a task plug-in needs (see docs/plugins.md). A plug-in module default-exports
 * a factory `(options) => Task`; the run config's `task: {"name": "./path.ts", "options": {…}}`
 * loads it. An option that is off is a `TaskOptionError('options.<field>', expected, got)`.
 */
export type { Question, Task, Tokenizer, Trace, TraceOptions } from '../tasks/types.ts';
export type { TaskFactory } from '../tasks/registry.ts';
export { TaskOptionError, UnknownCharError, UnknownSplitError } from '../tasks/errors.ts';
export { charTokenizer, SPECIAL_COUNT, SPECIAL_IDS } from '../tasks/char-tokenizer.ts';
export { byteTokenizer } from '../tasks/byte-tokenizer.ts';
export { answersMatch, lastBoxed, normaliseAnswer, verifyBoxed } from '../tasks/boxed.ts';
export { deriveSeed, hashString, mulberry32, randInt, shuffle, type Rng } from '../tasks/rng.ts';
// The built-in tasks, to wrap or extend.
export { ARITHMETIC_ALPHABET, ARITHMETIC_SPLITS, arithmeticTask, arithmeticTokenizer, type ArithmeticDifficulty, type ArithmeticOptions } from '../tasks/arithmetic.ts';
export { jsonlTask, loadJsonlTask } from '../tasks/jsonl.ts';
