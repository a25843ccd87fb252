import type { NatsConnection } from '@nats-io/transport-node';

/**
 * `promise`'s value, or `fallback` once `ms` have passed. The timer is cleared either way: a
 * pending timer would keep a stopping process alive for the rest of its delay.
 */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Drains `nc` for at most `ms`, then closes it. Bounded because after a broker restart a pull may
 * never be answered and a stopping process must not hang; anything unacked is redelivered.
 * Resolves to whether the drain finished in time.
 */
export async function drainOrClose(nc: NatsConnection, ms = 5_000): Promise<boolean> {
  const drained = await within(nc.drain().then(() => true, () => true), ms, false);
  if (!drained) await nc.close().catch(() => undefined);
  return drained;
}
