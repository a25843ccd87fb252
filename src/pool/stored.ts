import type { PoolEntry } from './entry.ts';

/**
 * A pool entry from the bytes stored under its key in the pool bucket. The one place readers
 * outside the actors (exports) decode the stored format, so a change of it (a versioned
 * envelope) is made here once.
 */
export function decodePoolEntry(bytes: Uint8Array): PoolEntry {
  return JSON.parse(new TextDecoder().decode(bytes)) as PoolEntry;
}
