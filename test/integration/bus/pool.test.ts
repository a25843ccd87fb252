import { Packr } from 'msgpackr';
import { firstValueFrom, filter, take, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DeadLetterCounter, poolChanges$, putPoolEntry, readPoolEntries, setupRun } from '../../../src/bus/index.ts';
import { encode } from '../../../src/protocol/index.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { readCounter } from '../../../src/bus/state.ts';
import { poolKey } from '../../../src/run/requests.ts';
import * as make from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();
const plain = new Packr({ moreTypes: true, useRecords: false });

function entry(questionId: string, pHat = 0.5): PoolEntry {
  const { v: _v, type: _t, id: _i, ts: _ts, ...e } = make.poolEntry({ questionId, pHat });
  return e;
}

describe('pool bucket adapter', () => {
  it('pool - entries round-trip; malformed, invalid and misplaced ones are dead-lettered naming the key, the watch goes on', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    const counter = new DeadLetterCounter();
    const sink = { js: bus.js, run, actor: 'reader', counter };
    await putPoolEntry(bus.pool, entry('easy:1'));
    // What a plain NATS client can write into the bucket.
    await bus.pool.put(poolKey('easy:2'), '{"questionId":"easy:2"}'); // the old JSON form, no envelope
    await bus.pool.put(poolKey('easy:3'), plain.pack({ ...make.poolEntry({ questionId: 'easy:3' }), pHat: 7 }));
    await bus.pool.put(poolKey('easy:4'), encode(make.poolEntry({ questionId: 'easy:9' })));
    await putPoolEntry(bus.pool, entry('easy:5', 0.25));

    const read = await readPoolEntries(bus.pool, sink);
    expect(read.map((e) => e.questionId).sort()).toEqual(['easy:1', 'easy:5']);
    expect(read.find((e) => e.questionId === 'easy:5')).toEqual(entry('easy:5', 0.25));

    const changes = poolChanges$(bus.pool, sink);
    const first = await firstValueFrom(changes.pipe(take(5), toArray(), timeout(5_000)));
    expect(first.map((c) => [c.questionId, c.entry?.pHat])).toEqual([
      ['easy:1', 0.5],
      ['easy:2', undefined],
      ['easy:3', undefined],
      ['easy:4', undefined],
      ['easy:5', 0.25],
    ]);
    // Later changes still arrive after the bad ones.
    const later = firstValueFrom(changes.pipe(filter((c) => c.questionId === 'easy:6'), timeout(5_000)));
    await putPoolEntry(bus.pool, entry('easy:6'));
    expect((await later).entry?.questionId).toBe('easy:6');

    // Read and watched twice, each bad entry is dead-lettered once (the id is its key's revision).
    await until(async () => (await readStream(nc, bus.names.streams.dead, 'dead.letter')).length === 3, 5_000, 'three dead letters');
    const dead = await readStream(nc, bus.names.streams.dead, 'dead.letter');
    expect(dead.map((d) => d.subject)).toEqual(['easy:2', 'easy:3', 'easy:4'].map((q) => `$KV.${bus.names.buckets.pool}.${poolKey(q)}`));
    expect(dead[0]!.reason).toMatch(new RegExp(`^pool key ${poolKey('easy:2')}: not a msgpack`));
    expect(dead[1]!.reason).toMatch(/pHat: expected a finite number in \[0, 1\], got 7/);
    expect(dead[2]!.reason).toMatch(/entry of question "easy:9" under another key/);
  });
});

describe('state counters', () => {
  it('state - a counter that is not a non-negative integer is dead-lettered naming its key, not trusted', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    const counter = new DeadLetterCounter();
    const sink = { js: bus.js, run, actor: 'reader', counter };
    expect(await readCounter(bus.state, 'selector.cursor', sink)).toBeUndefined();
    await bus.state.put('selector.cursor', '42');
    expect(await readCounter(bus.state, 'selector.cursor', sink)).toBe(42);
    await bus.state.put('selector.cursor', 'NaN');
    expect(await readCounter(bus.state, 'selector.cursor', sink)).toBeUndefined();
    const [letter] = await readStream(nc, bus.names.streams.dead, 'dead.letter');
    expect(letter!.reason).toBe('state key selector.cursor: expected a non-negative integer as decimal text, got "NaN"');
    expect(letter!.subject).toBe(`$KV.${bus.names.buckets.state}.selector.cursor`);
  });
});
