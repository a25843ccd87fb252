import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectBus } from '../../../src/bus/connect.ts';
import { setupRun } from '../../../src/bus/setup.ts';
import { useCommand } from '../../helpers/command.ts';
import { until } from '../../helpers/wait.ts';

describe('nats command', () => {
  const nats = useCommand('nats');

  it('nats - --cluster 3 prints the URL list first, serves R3 runs across it, and SIGTERM stops every node', async () => {
    const p = nats(['--cluster', '3', '--store', mkdtempSync(join(tmpdir(), 'saturn-nats-cmd-'))]);
    await until(() => p.stdout().includes('\n'), 60_000, 'URL line');
    const urls = p.stdout().split('\n')[0]!.split(',');
    expect(urls).toHaveLength(3);
    for (const url of urls) expect(url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    // Printed only once the cluster has a JetStream leader: a run can be set up at once, on any node.
    for (const url of urls) {
      const nc = await connectBus({ servers: url });
      const bus = await setupRun(nc, `cmd${urls.indexOf(url)}`);
      expect((await bus.jsm.streams.info(bus.names.streams.requests)).config.num_replicas).toBe(3);
      await nc.close();
    }
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const err = await connectBus({ servers: urls, maxReconnectAttempts: 0, timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
