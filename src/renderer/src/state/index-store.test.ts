import { describe, expect, it } from 'vitest';
import type { Bridge, HandlerArgs, HandlerName, HandlerResult } from '../../../shared/contract';
import type { IndexView } from '../../../shared/indexes';
import type { Job } from '../../../shared/job';
import { makeJob } from '../../../shared/testing/job-fixtures';
import { BridgeError } from '../bridge/bridge-error';
import { createIndexController, reindexRequest } from './index-store';

const view = (name: string, extra: Partial<IndexView> = {}): IndexView => ({
  name,
  path: `/srv/docs/${name}`,
  embeddingModel: 'text-embedding-x',
  chunkTokens: 400,
  overlapTokens: 50,
  include: null,
  owner: 'alice',
  documents: 0,
  chunks: 0,
  embedded: 0,
  bytes: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastJobId: null,
  skipped: [],
  ...extra,
});

const indexJob = (id: string, extra: Partial<Job> = {}): Job =>
  makeJob(id, { kind: 'index', lane: 'batch', state: 'running', progress: { stage: 'embed', fraction: 0.5, message: '4 of 8 chunks' }, ...extra });

/** A server holding `indexes` and `jobs`; `disabled` answers as one started without --index-root does. */
function fakeServer(options: { disabled?: boolean } = {}) {
  const state = { indexes: [] as IndexView[], jobs: new Map<string, Job>() };
  const calls: Array<{ name: HandlerName; args: unknown }> = [];
  const refuse = new Map<HandlerName, BridgeError>();
  const handle = (name: HandlerName, args: Record<string, unknown>): unknown => {
    const refused = refuse.get(name);
    if (refused) throw refused;
    if (options.disabled && name.startsWith('indexes.')) {
      throw new BridgeError('indexing_disabled', 'indexing is off: start LM Queue with --index-root DIR', 404);
    }
    switch (name) {
      case 'indexes.list':
        return state.indexes.map((i) => ({ ...i }));
      case 'jobs.get': {
        const job = state.jobs.get(String(args.id));
        if (!job) throw new BridgeError('not_found', `no job ${String(args.id)}`, 404);
        return job;
      }
      case 'indexes.create': {
        const job = indexJob(`j${state.jobs.size + 1}`, { state: 'queued', progress: { stage: 'queued', fraction: 0, message: null } });
        state.jobs.set(job.id, job);
        const index = view(String(args.name), { path: String(args.path), lastJobId: job.id });
        state.indexes = [...state.indexes.filter((i) => i.name !== index.name), index];
        return { index, job };
      }
      case 'indexes.delete':
        state.indexes = state.indexes.filter((i) => i.name !== args.name);
        return { deleted: args.name };
      case 'indexes.search':
        return { results: [{ document: 'a.md', chunk: 0, score: 0.9, text: `about ${String(args.query)}` }] };
      default:
        throw new Error(`unexpected ${name}`);
    }
  };
  const bridge: Pick<Bridge, 'invoke'> = {
    invoke: (async <N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>> => {
      calls.push({ name, args });
      return handle(name, args as Record<string, unknown>) as HandlerResult<N>;
    }) as Bridge['invoke'],
  };
  const count = (name: HandlerName) => calls.filter((c) => c.name === name).length;
  return { state, calls, count, refuse, bridge };
}

/** Lets the reads an event started finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('index store', () => {
  it('shows the server’s word that indexing is off, as a state and not an error, and asks once', async () => {
    const server = fakeServer({ disabled: true });
    const indexes = createIndexController(server.bridge);
    await indexes.load();
    expect(indexes.store.getState()).toMatchObject({ loaded: true, disabled: expect.stringContaining('--index-root'), error: null, indexes: [] });
    indexes.onJob(indexJob('j1'));
    await settle();
    expect(server.count('indexes.list')).toBe(1);
  });

  it('reads each index’s unfinished last job, follows it live, and reads the counts again when it ends', async () => {
    const server = fakeServer();
    server.state.jobs.set('j1', indexJob('j1'));
    server.state.jobs.set('j0', indexJob('j0', { state: 'succeeded' }));
    server.state.indexes = [view('a', { lastJobId: 'j1' }), view('b', { lastJobId: 'j0' }), view('c')];
    let now = 1_000;
    const indexes = createIndexController(server.bridge, () => now);
    await indexes.load();
    expect(Object.keys(indexes.store.getState().jobs).sort()).toEqual(['j0', 'j1']);

    now = 2_000;
    indexes.onJob(indexJob('j1', { progress: { stage: 'store', fraction: 0.9, message: 'storing 8 chunks' } }));
    expect(indexes.store.getState().jobs.j1).toMatchObject({ receivedAt: 2_000, job: { progress: { stage: 'store' } } });
    expect(server.count('indexes.list')).toBe(1);

    server.state.indexes = [view('a', { lastJobId: 'j1', documents: 3, chunks: 8 }), view('b', { lastJobId: 'j0' }), view('c')];
    indexes.onJob(indexJob('j1', { state: 'succeeded' }));
    await settle();
    expect(server.count('indexes.list')).toBe(2);
    expect(indexes.store.getState().indexes[0]).toMatchObject({ name: 'a', documents: 3, chunks: 8 });
    // A finished job is not read again.
    expect(server.calls.filter((c) => c.name === 'jobs.get').map((c) => (c.args as { id: string }).id)).toEqual(['j1', 'j0']);
  });

  it('reads the list once for an index job of an index it does not show, not once per update', async () => {
    const server = fakeServer();
    const indexes = createIndexController(server.bridge);
    await indexes.load();
    indexes.onJob(makeJob('c1', { kind: 'embedding' }));
    expect(server.count('indexes.list')).toBe(1);

    server.state.jobs.set('j9', indexJob('j9'));
    server.state.indexes = [view('elsewhere', { lastJobId: 'j9' })];
    for (let i = 0; i < 5; i++) indexes.onJob(indexJob('j9'));
    await settle();
    expect(server.count('indexes.list')).toBe(2);
    expect(indexes.store.getState().indexes.map((i) => i.name)).toEqual(['elsewhere']);
  });

  it('shares one read between loads asked for at once, and reads once more after it', async () => {
    const server = fakeServer();
    const indexes = createIndexController(server.bridge);
    await Promise.all([indexes.load(), indexes.load(), indexes.load()]);
    expect(server.count('indexes.list')).toBe(2);
  });

  it('creates an index and shows it with its job at once', async () => {
    const server = fakeServer();
    const indexes = createIndexController(server.bridge);
    await indexes.load();
    expect(await indexes.create({ name: 'docs', path: 'docs', embeddingModel: 'text-embedding-x' })).toBeNull();
    const state = indexes.store.getState();
    expect(state.indexes.map((i) => i.name)).toEqual(['docs']);
    expect(state.jobs[state.indexes[0]!.lastJobId!]?.job.state).toBe('queued');
  });

  it('re-indexes with the index’s own settings', async () => {
    const server = fakeServer();
    server.state.indexes = [view('docs', { chunkTokens: 200, overlapTokens: 20, include: ['**/*.md'] })];
    const indexes = createIndexController(server.bridge);
    await indexes.load();
    expect(await indexes.reindex('docs')).toBeNull();
    const sent = server.calls.find((c) => c.name === 'indexes.create')!.args;
    expect(sent).toEqual({ name: 'docs', path: '/srv/docs/docs', embeddingModel: 'text-embedding-x', chunkTokens: 200, overlapTokens: 20, include: ['**/*.md'] });
    expect(reindexRequest(view('x'))).not.toHaveProperty('include');
  });

  it('answers a refused create or delete with the server’s message, and keeps the index shown', async () => {
    const server = fakeServer();
    server.state.indexes = [view('docs')];
    const indexes = createIndexController(server.bridge);
    await indexes.load();
    server.refuse.set('indexes.create', new BridgeError('forbidden', 'path: /etc is outside the index roots (/srv/docs)', 403));
    expect(await indexes.create({ name: 'x', path: '/etc', embeddingModel: 'm' })).toBe('path: /etc is outside the index roots (/srv/docs)');
    server.refuse.set('indexes.delete', new BridgeError('forbidden', 'only alice or an admin may delete index docs', 403));
    expect(await indexes.remove('docs')).toBe('only alice or an admin may delete index docs');
    expect(indexes.store.getState().indexes.map((i) => i.name)).toEqual(['docs']);
    server.refuse.delete('indexes.delete');
    expect(await indexes.remove('docs')).toBeNull();
    expect(indexes.store.getState().indexes).toEqual([]);
  });

  it('searches, and answers a failed search with its message', async () => {
    const server = fakeServer();
    const indexes = createIndexController(server.bridge);
    expect(await indexes.search('docs', 'tide', 3)).toEqual({ results: [{ document: 'a.md', chunk: 0, score: 0.9, text: 'about tide' }] });
    expect(server.calls.at(-1)).toEqual({ name: 'indexes.search', args: { name: 'docs', query: 'tide', k: 3 } });
    server.refuse.set('indexes.search', new BridgeError('backend_error', 'the query could not be embedded', 502));
    expect(await indexes.search('docs', 'tide', 3)).toEqual({ error: 'the query could not be embedded' });
  });

  it('reads again after the link comes back, once it has read at all', async () => {
    const server = fakeServer();
    const indexes = createIndexController(server.bridge);
    indexes.onReconnect();
    await settle();
    expect(server.count('indexes.list')).toBe(0);
    await indexes.load();
    indexes.onReconnect();
    await settle();
    expect(server.count('indexes.list')).toBe(2);
  });
});
