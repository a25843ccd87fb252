/**
 * Runs `attempt` until it succeeds, backing off between tries, for at most `totalMs`. Used around
 * publishes and KV writes so an actor rides out a broker restart or a reconnect instead of dying;
 * the last error is rethrown when time runs out.
 */
export async function retrying<T>(attempt: () => Promise<T>, options: { totalMs?: number; onRetry?: (error: unknown, tries: number) => void } = {}): Promise<T> {
  const deadline = Date.now() + (options.totalMs ?? 60_000);
  let delay = 100;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      options.onRetry?.(error, tries);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
