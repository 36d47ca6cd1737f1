import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { BackendState } from '../../shared/backend';
import { listeningLines, settledBackend, startupBanner, type BannerBackend, type StartupFacts } from './startup-banner';

const up: BannerBackend = {
  url: 'http://127.0.0.1:1234',
  status: 'up',
  models: [
    { id: 'qwen3-8b', loaded: true },
    { id: 'nomic-embed-text', loaded: true },
    { id: 'llama-3.1-70b', loaded: false },
  ],
};
const facts: StartupFacts = { url: 'http://127.0.0.1:1235', webUi: true, backend: up, dataDir: '/home/ana/.lmqueue', requireAuth: false };

describe('start-up lines', () => {
  it('always say where it listens, then each URL to share', () => {
    expect(listeningLines('http://0.0.0.0:1235', ['http://192.168.1.20:1235'])).toEqual([
      'LM Queue listening on http://0.0.0.0:1235',
      'Share with your team: http://192.168.1.20:1235',
    ]);
    expect(listeningLines('http://127.0.0.1:1235', [])).toEqual(['LM Queue listening on http://127.0.0.1:1235']);
  });

  it('show a person what to open, what LM Studio has loaded, where the data is and how to make a token', () => {
    expect(startupBanner(facts)).toEqual([
      '  Open:      http://127.0.0.1:1235/',
      '  LM Studio: up at http://127.0.0.1:1234; loaded: qwen3-8b, nomic-embed-text',
      '  Data:      /home/ana/.lmqueue',
      `  Tokens:    curl -X POST http://127.0.0.1:1235/api/tokens -H 'content-type: application/json' -d '{"name":"alice","role":"member"}'`,
      '             or use the Team tab of the web UI',
    ]);
  });

  it('say when LM Studio is unreachable or nothing is loaded, and when there is no web UI', () => {
    const down = startupBanner({ ...facts, webUi: false, backend: { ...up, status: 'down', models: [] } });
    expect(down[0]).toBe('  Open:      no web UI built (npm run build:web, then restart)');
    expect(down[1]).toBe('  LM Studio: not reachable at http://127.0.0.1:1234; jobs wait until it is (start its server, or pass --backend URL)');
    expect(down).not.toContain('             or use the Team tab of the web UI');
    const idle = startupBanner({ ...facts, backend: { ...up, models: up.models.map((m) => ({ ...m, loaded: false })) } });
    expect(idle[1]).toContain('loaded: none');
  });

  it('put the admin token in the curl when loopback needs one too', () => {
    const tokens = startupBanner({ ...facts, requireAuth: true }).find((line) => line.includes('curl'));
    expect(tokens).toContain('-H "authorization: Bearer $LMQ_ADMIN_TOKEN"');
    expect(startupBanner(facts).find((line) => line.includes('curl'))).not.toContain('authorization');
  });
});

function fakeEngine(initial: BackendState['status']) {
  const events = new EventEmitter();
  let state = { ...up, status: initial } as unknown as BackendState;
  return {
    backend: () => state,
    on: (event: 'backend.changed', listener: (s: BackendState) => void) => {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
    change(status: BackendState['status']) {
      state = { ...state, status };
      events.emit('backend.changed', state);
    },
    listeners: () => events.listenerCount('backend.changed'),
  };
}

describe('settledBackend', () => {
  it('answers at once when LM Studio has answered already', async () => {
    expect((await settledBackend(fakeEngine('down'), 10_000)).status).toBe('down');
  });

  it('waits for the first answer, and stops listening', async () => {
    const engine = fakeEngine('unknown');
    const settled = settledBackend(engine, 10_000);
    engine.change('up');
    expect((await settled).status).toBe('up');
    expect(engine.listeners()).toBe(0);
  });

  it('gives up after the timeout with the state as it is', async () => {
    vi.useFakeTimers();
    try {
      const engine = fakeEngine('unknown');
      const settled = settledBackend(engine, 3_000);
      await vi.advanceTimersByTimeAsync(3_000);
      expect((await settled).status).toBe('unknown');
      expect(engine.listeners()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
