import { firstValueFrom, map, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fetchWeights, latestWeights, publishWeights, setupRun, subscribe$, WeightsFetchError } from '../../../src/bus/index.ts';
import { decode, encode } from '../../../src/protocol/index.ts';
import { useNatsServer } from '../../helpers/nats.ts';

const nats = useNatsServer();

describe('weights - announce and fetch', () => {
  it('weights - published weights are announced live and found by a late joiner, bytes checked', async () => {
    const learnerNc = await nats.connect();
    const run = nats.runId();
    const learner = await setupRun(learnerNc, run);
    const listenerNc = await nats.connect();
    const live = firstValueFrom(
      subscribe$(listenerNc, learner.names.subjects.weightsAnnounce).pipe(
        map((m) => decode(m.data, 'weights.announcement')),
        timeout(5_000),
      ),
    );
    await listenerNc.flush();

    const bytes = new Uint8Array(600_000).map((_, i) => (i * 7) % 251); // several object chunks
    const place = { nc: learnerNc, names: learner.names, store: learner.weights, state: learner.state };
    const sent = await publishWeights(place, 3, 300, bytes);
    expect(sent).toMatchObject({ version: 3, objectName: 'weights/v3', bytes: 600_000, step: 300 });
    const heard = await live;
    expect(heard.ok && heard.value).toEqual(sent);

    // An actor starting now reads the latest announcement from the state KV.
    const late = await setupRun(await nats.connect(), run);
    const at = { names: late.names, state: late.state, store: late.weights };
    const latest = await latestWeights(at);
    if (!latest?.ok) throw new Error('no latest weights');
    expect(latest.value.version).toBe(3);
    const fetched = await fetchWeights(at, latest.value);
    expect(Buffer.compare(Buffer.from(fetched), Buffer.from(bytes))).toBe(0);

    await expect(fetchWeights(at, { ...latest.value, sha256: '0'.repeat(64) })).rejects.toThrow(WeightsFetchError);
    await expect(fetchWeights(at, { ...latest.value, version: 99, objectName: 'weights/v99' })).rejects.toThrow(
      'weights weights/v99: not found in the object store',
    );
  });

  it('weights - a forged announcement is not trusted: another version\'s object, a missing object, a wrong hash', async () => {
    const nc = await nats.connect();
    const bus = await setupRun(nc, nats.runId());
    const place = { nc, names: bus.names, store: bus.weights, state: bus.state };
    const real = await publishWeights(place, 2, 20, new Uint8Array(1000).fill(7));
    const forge = async (over: Partial<typeof real>) => {
      await bus.state.put(bus.names.stateKeys.latestWeights, encode({ ...real, ...over }));
      return latestWeights(place);
    };
    // Version 1,000,000 pointing at the real v2 bytes (size and hash right) would outrank every real version.
    const borrowed = await forge({ version: 1_000_000 });
    expect(borrowed?.ok === false && borrowed.reason).toMatch(/names object weights\/v2, not its version's weights\/v1000000/);
    await expect(fetchWeights(place, { ...real, version: 1_000_000 })).rejects.toThrow(/is not version 1000000's object/);
    const missing = await forge({ version: 1_000_000, objectName: 'weights/v1000000' });
    expect(missing?.ok === false && missing.reason).toMatch(/not in the object store/);
    const hash = await forge({ sha256: 'a'.repeat(64) });
    expect(hash?.ok === false && hash.reason).toMatch(/has sha256 [0-9a-f]{64}, announced a{64}/);
    expect((await forge({}))?.ok).toBe(true);
  });

  it('weights - before any publication there is no latest announcement', async () => {
    const bus = await setupRun(await nats.connect(), nats.runId());
    expect(await latestWeights({ names: bus.names, state: bus.state, store: bus.weights })).toBeUndefined();
  });
});
