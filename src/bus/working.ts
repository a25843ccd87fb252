/**
 * In-progress acks. A JetStream message not acked within the consumer's `ack_wait` is redelivered
 * — to another actor, which then works on it too. Work that may outlast the ack wait (waiting for
 * weights, generating a wide batch) sends `+WPI` (`msg.working()`) regularly, which restarts the
 * server's timer. A message acked meanwhile ignores it.
 */

/** Sends `working()` for every message of `msgs` each `everyMs` until `stop()`. */
export function keepWorking(msgs: readonly { working(): void }[], everyMs: number): { stop(): void } {
  const timer = setInterval(() => {
    for (const m of msgs) m.working();
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
