/**
 * Typed errors of the NATS layer. Each says which server, stream or file it is about, and
 * whether trying again can help (a server that is down may come back; a bad config will not).
 */
import { SaturnError } from '../errors.ts';

/** No server in the list answered, or one refused us (auth, TLS). */
export class BusConnectError extends SaturnError {
  override name = 'BusConnectError';
  constructor(
    /** The server URLs that were tried. */
    readonly servers: readonly string[],
    detail: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`cannot connect to NATS at ${servers.join(', ')}: ${detail}`, {
      retryable: options.retryable ?? true,
      cause: options.cause,
    });
  }
}

/** A connect option with an unusable value (a missing creds or TLS file, conflicting auth). */
export class BusOptionError extends SaturnError {
  override name = 'BusOptionError';
  constructor(
    /** The offending option, e.g. `credsFile`, `tls.caFile`. */
    readonly field: string,
    readonly expected: string,
    got?: unknown,
  ) {
    super(`${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
  }
}

/** A stream, consumer, bucket or object store could not be created or brought to our config. */
export class BusSetupError extends SaturnError {
  override name = 'BusSetupError';
  constructor(
    /** What failed, e.g. `stream saturn_x_requests`, `consumer rollout_probe`. */
    readonly resource: string,
    detail: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${resource}: ${detail}`, options);
  }
}

/** A run that the broker does not know: its metrics stream (created by every actor at start) is missing. */
export class RunNotFoundError extends SaturnError {
  override name = 'RunNotFoundError';
  constructor(
    readonly run: string,
    /** The server asked, as the client sees it (`host:port`). */
    readonly server: string,
    /** The stream whose absence shows it. */
    readonly stream: string,
  ) {
    // Retryable: the run may not have started yet.
    super(`run "${run}" not found on NATS at ${server}: no stream ${stream} (wrong run id or server, or the run has not started)`, { retryable: true });
  }
}

/** A JetStream publish that was not acknowledged by the server. */
export class BusPublishError extends SaturnError {
  override name = 'BusPublishError';
  constructor(
    readonly subject: string,
    detail: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`publish to ${subject} failed: ${detail}`, options);
  }
}

/** The nats-server binary is not installed. */
export class NatsServerNotFoundError extends SaturnError {
  override name = 'NatsServerNotFoundError';
  constructor(options: { cause?: unknown } = {}) {
    super(
      'nats-server not found on PATH; install it with: apt-get install -y nats-server ' +
        "(or run the README's first command)",
      { cause: options.cause, retryable: false },
    );
  }
}

/** A nats-server process that exited or did not become ready. */
export class NatsServerStartError extends SaturnError {
  override name = 'NatsServerStartError';
  constructor(
    readonly port: number,
    detail: string,
    /** The server's last log lines, to see why. */
    readonly log: string,
    options: { cause?: unknown } = {},
  ) {
    super(`nats-server on port ${port} ${detail}${log ? `; last log lines:\n${log}` : ''}`, {
      cause: options.cause,
      retryable: true,
    });
  }
}

/** Weights named by an announcement that are missing or do not match it. */
export class WeightsFetchError extends SaturnError {
  override name = 'WeightsFetchError';
  constructor(
    readonly objectName: string,
    detail: string,
  ) {
    // Retryable: the object may still be arriving, or a newer version replaced it.
    super(`weights ${objectName}: ${detail}`, { retryable: true });
  }
}
