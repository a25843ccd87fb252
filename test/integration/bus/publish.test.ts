import { describe, expect, it } from 'vitest';
import { BusPublishError, publishJs, setupRun } from '../../../src/bus/index.ts';
import { ValidationError } from '../../../src/protocol/index.ts';
import { rolloutRequest, rolloutResult } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';

const nats = useNatsServer();

describe('publish - JetStream', () => {
  it('publish - the same msgID twice within the duplicate window is stored once', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run);
    const subject = bus.names.subjects.rolloutRequest('sweep');
    const req = rolloutRequest({ id: 'dup-1', run, kind: 'sweep' });
    const a = await publishJs(bus.js, subject, req);
    const b = await publishJs(bus.js, subject, { ...req, ts: req.ts + 1 }); // a re-issue after a lost ack
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.seq).toBe(a.seq);
    const c = await publishJs(bus.js, subject, req, { msgID: 'dup-1-retry' });
    expect(c.duplicate).toBe(false);
    expect((await bus.jsm.streams.info(bus.names.streams.requests)).state.messages).toBe(2);
  });

  it('publish - a result is deduplicated by its request id, so two actors answering the same request store one', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run);
    const subject = bus.names.subjects.rolloutResult('probe');
    await publishJs(bus.js, subject, rolloutResult({ id: 'req-9', actorId: 'a' }));
    const second = await publishJs(bus.js, subject, rolloutResult({ id: 'req-9', actorId: 'b' }));
    expect(second.duplicate).toBe(true);
    expect((await bus.jsm.streams.info(bus.names.streams.results)).state.messages).toBe(1);
  });

  it('publish - an invalid message is refused before it is sent; a subject no stream stores is a BusPublishError', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run);
    await expect(
      publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), rolloutRequest({ n: 0 })),
    ).rejects.toThrow(ValidationError);
    const err = await publishJs(bus.js, `saturn.${run}.nowhere`, rolloutRequest(), { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusPublishError);
    expect((err as BusPublishError).retryable).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^publish to saturn\\.${run}\\.nowhere failed`));
  });
});
