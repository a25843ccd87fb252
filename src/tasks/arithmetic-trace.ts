/**
 * The written scratchpad of the addition task, and supervised traces of it.
 *
 * For `37+85+19=` the completion is `0037+085=0122;0122+019=0141;#141`: each step adds the
 * running sum and the next operand, every number zero-padded to a fixed width, each step closed
 * by `;`, and the unpadded answer after `#`. The fixed width is the point: a prototype learnt
 * this format in minutes where the unpadded one stayed near chance, because every digit lands
 * at the same offset in every step.
 *
 * The first operand is padded to the running sum's width, so every step, and every redo after
 * a `!`, has the same layout and fills the same-sized slot. With the first operand one column
 * narrower, a redo of step 1 landed one column off the slots the policy had learnt to add in,
 * and the policy failed it ~95 % of the time: conditioned accuracy fell as a cliff right after
 * the `!` (8 of 24 saturated questions had a prefix in the τ band; with one layout, 18 of 24).
 */
import { TaskOptionError } from './errors.ts';
import { randInt, type Rng } from './rng.ts';
import type { Trace } from './types.ts';

/** Widths of the zero-padded numbers of a scratchpad. */
export interface ScratchpadLayout {
  /** Width of an added operand: `digits + 1`. */
  operandWidth: number;
  /** Width of a running sum (and of the first operand): `digits + 2` up to 9 operands, wider beyond. */
  sumWidth: number;
}

/** One addition of the scratchpad: `left + right = left + right`. */
interface Step {
  left: number;
  right: number;
}

/**
 * Widths for `operands` numbers of `digits` digits. Every padded number keeps at least one
 * leading zero even at its largest possible value; that spare column is also what guarantees a
 * one-digit slip in a repair trace still fits the width (see {@link arithmeticTrace}).
 */
export function scratchpadLayout(operands: number, digits: number): ScratchpadLayout {
  const maxSum = operands * (10 ** digits - 1);
  return { operandWidth: digits + 1, sumWidth: Math.max(digits + 2, String(maxSum).length + 1) };
}

/**
 * Operands and digit count of a prompt such as `37+85+19=`; the digit count is the length of
 * the longest operand. Throws {@link TaskOptionError} on anything else.
 */
export function parseAdditionPrompt(prompt: string): { operands: number[]; digits: number } {
  if (!/^\d+(\+\d+)+=$/.test(prompt)) {
    throw new TaskOptionError('question.prompt', 'an addition prompt like "37+85+19="', prompt);
  }
  const texts = prompt.slice(0, -1).split('+');
  return { operands: texts.map(Number), digits: Math.max(...texts.map((t) => t.length)) };
}

/** The scratchpad steps of `prompt`, without their `;` terminators: `['0037+085=0122', …]`. */
export function scratchpadSteps(prompt: string): string[] {
  const { steps, layout } = plan(prompt);
  return steps.map((step) => formatStep(step, layout));
}

/** The clean completion of `prompt`: steps, `#`, unpadded answer (the stop token not included). */
export function writeScratchpad(prompt: string): string {
  const { operands } = parseAdditionPrompt(prompt);
  const sum = operands.reduce((a, b) => a + b, 0);
  return scratchpadSteps(prompt).map((s) => `${s};`).join('') + `#${sum}`;
}

/**
 * A correct trace of `prompt` for supervised warm start. With probability `repairProbability`
 * one step, picked uniformly, is first written with exactly one wrong digit (picked uniformly
 * over the step's digit characters, replaced by one of the 9 other digits), closed by `!`, and
 * then redone correctly: `0037+085=0132!0037+085=0122;0122+019=0141;#141`. A slip in an operand
 * copy is carried into that step's result, as an honest mistake would be.
 *
 * The loss mask is 0 exactly on the characters of the wrong step that differ from the redone
 * one (the slipped digit and the result digits it changed) and 1 elsewhere, `!` included: the
 * model should learn to notice and repair, not to make the mistake.
 */
export function arithmeticTrace(prompt: string, rng: Rng, repairProbability = 0, falseAlarmShare = 0): Trace {
  if (!(repairProbability >= 0 && repairProbability <= 1)) {
    throw new TaskOptionError('repairProbability', 'a number in [0, 1]', repairProbability);
  }
  if (!(falseAlarmShare >= 0 && falseAlarmShare <= 1)) {
    throw new TaskOptionError('falseAlarmShare', 'a number in [0, 1]', falseAlarmShare);
  }
  const { steps, layout, sum } = plan(prompt);
  const repairAt = repairProbability > 0 && rng() < repairProbability ? randInt(rng, 0, steps.length - 1) : -1;
  // A false alarm re-checks a step that was right: `!` then the same step again. Without them the
  // redo after `!` always differs from the step before it, and a policy learns "change a digit"
  // instead of "recompute", so a spurious `!` corrupts a correct solution.
  const falseAlarm = repairAt >= 0 && falseAlarmShare > 0 && rng() < falseAlarmShare;

  let completion = '';
  const mask: number[] = [];
  const append = (text: string, bit: (i: number) => number = () => 1) => {
    completion += text;
    for (let i = 0; i < text.length; i++) mask.push(bit(i));
  };
  steps.forEach((step, i) => {
    const right = formatStep(step, layout);
    if (i === repairAt && falseAlarm) {
      append(right);
      append('!', () => 0); // never taught to raise an alarm on a right step, only to recompute after one
    } else if (i === repairAt) {
      const wrong = slip(step, layout, rng);
      append(wrong, (j) => (wrong[j] === right[j] ? 1 : 0));
      append('!');
    }
    append(`${right};`);
  });
  append(`#${sum}`);
  return { completion, lossMask: Uint8Array.from(mask) };
}

/**
 * A misleading start for `prompt`: its first step written with one wrong digit (as in a repair
 * trace) and left open, e.g. `0037+085=0132`. A policy that learnt to repair can still write `!`.
 */
export function misleadingStart(prompt: string, rng: Rng): string {
  const { steps, layout } = plan(prompt);
  return slip(steps[0]!, layout, rng);
}

function plan(prompt: string): { steps: Step[]; layout: ScratchpadLayout; sum: number } {
  const { operands, digits } = parseAdditionPrompt(prompt);
  const layout = scratchpadLayout(operands.length, digits);
  const steps: Step[] = [];
  let sum = operands[0];
  for (let i = 1; i < operands.length; i++) {
    steps.push({ left: sum, right: operands[i] });
    sum += operands[i];
  }
  return { steps, layout, sum };
}

function formatStep(step: Step, layout: ScratchpadLayout): string {
  const { left, right } = step;
  return `${pad(left, layout.sumWidth)}+${pad(right, layout.operandWidth)}=${pad(left + right, layout.sumWidth)}`;
}

/** `step` written with one wrong digit, its result consistent with a wrong operand. */
function slip(step: Step, layout: ScratchpadLayout, rng: Rng): string {
  const text = formatStep(step, layout);
  const positions = [...text].flatMap((c, i) => (c >= '0' && c <= '9' ? [i] : []));
  const at = positions[randInt(rng, 0, positions.length - 1)];
  let digit = randInt(rng, 0, 8);
  if (digit >= Number(text[at])) digit += 1; // uniform over the 9 digits other than the right one
  const swapped = text.slice(0, at) + digit + text.slice(at + 1);

  const rightStart = layout.sumWidth + 1;
  const rightEnd = rightStart + layout.operandWidth;
  if (at < layout.sumWidth) {
    return formatStep({ ...step, left: Number(swapped.slice(0, layout.sumWidth)) }, layout);
  }
  if (at < rightEnd) {
    return formatStep({ ...step, right: Number(swapped.slice(rightStart, rightEnd)) }, layout);
  }
  return swapped;
}

function pad(value: number, width: number): string {
  const text = String(value);
  // Unreachable by construction (layout keeps a spare column); guard so a layout bug is loud.
  if (text.length > width) throw new RangeError(`scratchpad: ${value} does not fit width ${width}`);
  return text.padStart(width, '0');
}
