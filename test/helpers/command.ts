/**
 * `saturn <command>` as a real child process, for the tests of the read-only observers (monitor,
 * dashboard), and metrics published the way actors publish them.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { publishCore, type RunBus } from '../../src/bus/index.ts';
import { envelope } from '../../src/protocol/index.ts';
import { childOfThisProcess } from '../../src/cli/parent-watch.ts';

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

export interface CommandProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** A spawner of `saturn <command>` children; the suite kills any left running when it ends. */
export function useCommand(command: string): (args: string[]) => CommandProcess {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
  return (args) => {
    const child = spawn(process.execPath, [BIN, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...childOfThisProcess(), SATURN_LOG_LEVEL: 'info' } });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  };
}

/** Publishes a metrics record the way actors do (envelope, validated encode, core NATS). */
export function publishRecord(bus: RunBus, nc: NatsConnection, name: string, step: number, values: Record<string, number>): void {
  publishCore(nc, bus.names.subjects.metrics(name), { ...envelope('metrics.record'), name, step, values: { ...values, actorPid: 4242 } });
}
