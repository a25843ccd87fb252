import { firstValueFrom, map, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fetchWeights, latestWeights, publishWeights, setupRun, subscribe$, WeightsFetchError } from '../../../src/bus/index.ts';
import { decode } from '../../../src/protocol/index.ts';
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
    const latest = await latestWeights({ names: late.names, state: late.state });
    if (!latest?.ok) throw new Error('no latest weights');
    expect(latest.value.version).toBe(3);
    const fetched = await fetchWeights({ store: late.weights }, latest.value);
    expect(Buffer.compare(Buffer.from(fetched), Buffer.from(bytes))).toBe(0);

    await expect(fetchWeights({ store: late.weights }, { ...latest.value, sha256: '0'.repeat(64) })).rejects.toThrow(WeightsFetchError);
    await expect(fetchWeights({ store: late.weights }, { ...latest.value, objectName: 'weights/v99' })).rejects.toThrow(
      'weights weights/v99: not found in the object store',
    );
  });

  it('weights - before any publication there is no latest announcement', async () => {
    const bus = await setupRun(await nats.connect(), nats.runId());
    expect(await latestWeights(bus)).toBeUndefined();
  });
});
