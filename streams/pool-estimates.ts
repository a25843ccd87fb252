import { mergeMap, type OperatorFunction } from 'rxjs';
import { foldObservation, type Observation, type PoolEntry } from '../src/pool/entry.ts';

/** A group outcome for a pool entry (its question and generation). */
export interface EntryObservation extends Observation {
  questionId: string;
  generation: number;
}

/**
 * p̂ re-estimation: folds every observation into the entry it belongs to and emits the updated
 * entry. Observations of an older generation (the entry has been rebuilt since) are ignored.
 */
export function reestimatePool(lookup: (questionId: string) => PoolEntry | undefined, now: () => number): OperatorFunction<EntryObservation, PoolEntry> {
  return mergeMap((o) => {
    const entry = lookup(o.questionId);
    return entry && entry.generation === o.generation ? [foldObservation(entry, o, now())] : [];
  });
}
