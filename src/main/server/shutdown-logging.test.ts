import pino from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness } from './testing/http-harness';

// On the code before this change each 503 below was logged at level error with its stack trace.
describe('shutting down', () => {
  it('answers 503 shutting_down without logging errors or stack traces', async () => {
    const lines: Array<{ level: number; msg: string; err?: unknown }> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const h = await startHttpHarness({ server: { logger: pino({ level: 'debug' }, stream) } });
    h.engine.setPaused(true);
    const waiting = call(h, 'POST', '/v1/chat/completions', { body: CHAT });
    await vi.waitFor(() => expect(h.engine.counts().queued).toBe(1), SERVER_WAIT);
    h.server.stopAccepting();
    const refused = await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: CHAT.model, input: { messages: CHAT.messages } } });
    expect(refused.status).toBe(503);
    const closing = h.server.close();
    // Whatever the waiting caller is told (see docs/api.md, shutdown), it is not an error of ours.
    await waiting;
    await closing;
    await h.engine.close({ graceMs: 0 });
    await h.sim.close();
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('"stack"');
  });
});
