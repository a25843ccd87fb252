/** Public API of saturn's verifiable tasks. */
export type { Question, Task, Tokenizer, Trace, TraceOptions } from './types.ts';
export {
  JsonlFormatError,
  TaskOptionError,
  UnknownCharError,
  UnknownSplitError,
  UnknownTaskError,
} from './errors.ts';
export { deriveSeed, hashString, mulberry32, randInt, shuffle, type Rng } from './rng.ts';
export { charTokenizer, SPECIAL_COUNT, SPECIAL_IDS } from './char-tokenizer.ts';
export { byteTokenizer } from './byte-tokenizer.ts';
export {
  ARITHMETIC_ALPHABET,
  ARITHMETIC_SPLITS,
  arithmeticTask,
  arithmeticTokenizer,
  verifyAddition,
  type ArithmeticDifficulty,
  type ArithmeticOptions,
} from './arithmetic.ts';
export {
  arithmeticTrace,
  parseAdditionPrompt,
  scratchpadLayout,
  scratchpadSteps,
  writeScratchpad,
  type ScratchpadLayout,
} from './arithmetic-trace.ts';
export { answersMatch, lastBoxed, normaliseAnswer, verifyBoxed } from './boxed.ts';
export { DEFAULT_SPLIT, TEST_SPLIT, jsonlTask, loadJsonlTask, parseJsonl, type JsonlFields } from './jsonl.ts';
export { knownTasks, registerTask, resolveTask, type JsonlTaskOptions, type TaskFactory } from './registry.ts';
