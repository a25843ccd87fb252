import { describe, expect, it } from 'vitest';
import { SseClients, sseFrame, type SseSink } from '../../../src/dashboard/sse.ts';

/** A response stand-in: records writes, reports "buffer full" while `full`, emits close / drain on demand. */
function fakeSink() {
  const listeners: Record<string, Array<() => void>> = {};
  const sink = {
    written: [] as string[],
    ended: false,
    destroyed: false,
    full: false,
    write(chunk: string) {
      sink.written.push(chunk);
      return !sink.full;
    },
    end() {
      sink.ended = true;
    },
    destroy() {
      sink.destroyed = true;
    },
    on(event: 'close' | 'drain', fn: () => void) {
      (listeners[event] ??= []).push(fn);
    },
    emit(event: 'close' | 'drain') {
      listeners[event]?.forEach((fn) => fn());
    },
  };
  return sink satisfies SseSink;
}

describe('dashboard sse', () => {
  it('sse - a record is one data line; a named event carries its name first', () => {
    const json = JSON.stringify({ name: 'variance', values: { meanRewardStd: Number.NaN, x: Number.POSITIVE_INFINITY } });
    expect(sseFrame(json)).toBe('data: {"name":"variance","values":{"meanRewardStd":null,"x":null}}\n\n');
    expect(sseFrame('{"malformed":1}', 'status')).toBe('event: status\ndata: {"malformed":1}\n\n');
  });

  it('sse - a client gets its history first, then every broadcast, until it closes', () => {
    const clients = new SseClients();
    const a = fakeSink();
    clients.add(a, 'H');
    clients.broadcast('1');
    const b = fakeSink();
    clients.add(b);
    clients.broadcast('2');
    expect(a.written).toEqual(['H', '1', '2']);
    expect(b.written).toEqual(['2']);
    a.emit('close');
    clients.broadcast('3');
    expect(a.written).toEqual(['H', '1', '2']);
    expect(b.written).toEqual(['2', '3']);
    expect(clients.size).toBe(1);
  });

  it('sse - a client that stops reading is dropped once too far behind; one that drains is kept', () => {
    const clients = new SseClients(10);
    const slow = fakeSink();
    const recovering = fakeSink();
    // A large history filling the buffer is not yet "behind".
    slow.full = true;
    recovering.full = true;
    clients.add(slow, 'x'.repeat(100));
    clients.add(recovering, 'x'.repeat(100));
    clients.broadcast('12345');
    recovering.full = false;
    recovering.emit('drain');
    clients.broadcast('12345');
    expect(slow.destroyed).toBe(false);
    clients.broadcast('12345'); // slow is now 15 characters behind
    expect(slow.destroyed).toBe(true);
    expect(recovering.destroyed).toBe(false);
    expect(clients.size).toBe(1);
    expect(recovering.written.slice(1)).toEqual(['12345', '12345', '12345']);
  });

  it('sse - closeAll ends every stream and forgets them', () => {
    const clients = new SseClients();
    const sinks = [fakeSink(), fakeSink()];
    sinks.forEach((s) => clients.add(s));
    clients.closeAll();
    expect(sinks.map((s) => s.ended)).toEqual([true, true]);
    expect(clients.size).toBe(0);
    clients.broadcast('late');
    expect(sinks.every((s) => s.written.length === 0)).toBe(true);
  });
});
