/**
 * /api/indexes through the real server, engine and LM Studio client, against the simulator
 * (whose embeddings are a hashed bag of words, so similar text gives near vectors): real files of
 * each format made in the test, what is skipped and why, search, re-indexing only what changed,
 * paths outside the roots, who may do what, and at most two index jobs at once.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { HTML_HIDDEN_MARKERS, makeDocx, makeHtml, makePdf } from '../core/indexing/testing/make-documents';
import { call, startHttpHarness, type HttpHarness, type JsonBody } from './testing/http-harness';

const EMBED = 'text-embedding-sim';
const OTHER_EMBED = 'text-embedding-other';
const WAIT = { timeout: 30_000, interval: 50 } as const;

async function finished(h: HttpHarness, jobId: string): Promise<JsonBody> {
  return vi.waitFor(async () => {
    const { body } = await call(h, 'GET', `/api/jobs/${jobId}`);
    expect(['succeeded', 'failed', 'canceled']).toContain(body.job.state);
    return body.job;
  }, WAIT);
}

const embeddingRequests = (h: HttpHarness) => h.forwarded.filter((r) => r.model === EMBED && r.kind === 'embedding' && Array.isArray(r.body.input));

describe('indexes', () => {
  let h: HttpHarness;
  let root: string;

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-index-root-')));
    const docs = join(root, 'docs');
    mkdirSync(join(docs, 'nested'), { recursive: true });
    writeFileSync(join(docs, 'cooking.txt'), 'Simmer the tomato sauce with basil and garlic for twenty minutes.');
    writeFileSync(join(docs, 'nested', 'rockets.md'), '# Rockets\n\nA rocket engine burns liquid oxygen and kerosene to make thrust.');
    writeFileSync(join(docs, 'birds.html'), makeHtml(['Penguins cannot fly but swim fast in cold antarctic water.'], { heading: 'Birds' }));
    writeFileSync(join(docs, 'tides.pdf'), await makePdf(['The moon pulls the ocean and makes the tides rise and fall twice a day.']));
    writeFileSync(join(docs, 'violin.docx'), await makeDocx(['A violin has four strings tuned in fifths and is played with a bow.']));
    writeFileSync(join(docs, '.secret.txt'), 'hidden file');
    writeFileSync(join(docs, 'broken.pdf'), 'this is not a pdf at all');
    writeFileSync(join(docs, 'huge.txt'), 'x'.repeat(60_000));
    symlinkSync('/etc/passwd', join(docs, 'passwd.txt'));
    mkdirSync(join(root, 'other'));
    h = await startHttpHarness({ sim: { models: ['sim-model-a', EMBED, OTHER_EMBED] }, engine: { indexRoots: [root], maxIndexFileBytes: 40_000 } });
  });
  afterAll(async () => {
    await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('indexes each format, lists what it skipped and why, and search finds the right document first', async () => {
    const made = await call(h, 'POST', '/api/indexes', { token: h.memberToken, body: { name: 'docs', path: join(root, 'docs'), embeddingModel: EMBED, chunkTokens: 64, overlapTokens: 8 } });
    expect(made.status).toBe(202);
    expect(made.body.job).toMatchObject({ kind: 'index', owner: 'member', lane: 'batch', metadata: { index: 'docs' } });
    const job = await finished(h, made.body.job.id);
    expect(job.state).toBe('succeeded');
    expect(job.children.total).toBeGreaterThan(0);

    const { body } = await call(h, 'GET', '/api/indexes/docs', { token: h.memberToken });
    expect(body.index).toMatchObject({ name: 'docs', documents: 5, embeddingModel: EMBED, owner: 'member', lastJobId: made.body.job.id });
    expect(body.index.chunks).toBeGreaterThanOrEqual(5);
    const skipped = Object.fromEntries(body.index.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]));
    expect(skipped).toMatchObject({ '.secret.txt': 'hidden', 'broken.pdf': 'extract_failed', 'huge.txt': 'too_large', 'passwd.txt': 'outside_root' });
    const result = (await call(h, 'GET', `/api/jobs/${made.body.job.id}/result`, { token: h.memberToken })).body;
    expect(JSON.stringify(result)).toContain('passwd.txt');

    for (const [query, document] of [
      ['violin strings bow', 'violin.docx'],
      ['moon ocean tides', 'tides.pdf'],
      ['penguins swim antarctic', 'birds.html'],
      ['rocket engine thrust', 'nested/rockets.md'],
      ['tomato basil sauce', 'cooking.txt'],
    ]) {
      const search = await call(h, 'POST', '/api/indexes/docs/search', { token: h.adminToken, body: { query, k: 3 } });
      expect(search.status, JSON.stringify(search.body)).toBe(200);
      expect(search.body.results[0], JSON.stringify(search.body.results)).toMatchObject({ document, chunk: 0 });
      expect(search.body.results[0].score).toBeGreaterThan(search.body.results[1]?.score ?? -1);
    }
    // HTML: visible text only.
    const html = await call(h, 'POST', '/api/indexes/docs/search', { token: h.memberToken, body: { query: 'penguins', k: 10 } });
    const htmlText = html.body.results.filter((r: { document: string }) => r.document === 'birds.html').map((r: { text: string }) => r.text).join(' ');
    expect(htmlText).toContain('Penguins');
    for (const marker of HTML_HIDDEN_MARKERS) expect(htmlText).not.toContain(marker);
  });

  test('re-indexing reads only what changed: an unchanged folder sends no embedding request, a changed file only its own', async () => {
    const dir = join(root, 'incremental');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'alpha apples and apricots');
    writeFileSync(join(dir, 'b.txt'), 'bravo bananas and blueberries');
    writeFileSync(join(dir, 'c.txt'), 'charlie cherries and coconuts');
    const body = { name: 'incremental', path: dir, embeddingModel: EMBED };
    await finished(h, (await call(h, 'POST', '/api/indexes', { body })).body.job.id);

    let before = embeddingRequests(h).length;
    const again = await call(h, 'POST', '/api/indexes', { body });
    expect((await finished(h, again.body.job.id)).state).toBe('succeeded');
    expect(embeddingRequests(h).length - before).toBe(0);

    writeFileSync(join(dir, 'b.txt'), 'bravo now speaks of blackberries only');
    unlinkSync(join(dir, 'c.txt'));
    before = embeddingRequests(h).length;
    const changed = await call(h, 'POST', '/api/indexes', { body });
    const job = await finished(h, changed.body.job.id);
    const sent = embeddingRequests(h).slice(before).flatMap((r) => r.body.input as string[]);
    expect(sent).toEqual(['bravo now speaks of blackberries only']);
    const result = (await call(h, 'GET', `/api/jobs/${job.id}/result`)).body;
    expect(result).toMatchObject({ added: 0, changed: 1, removed: 1, unchanged: 1 });
    const index = (await call(h, 'GET', '/api/indexes/incremental')).body.index;
    expect([index.documents, index.chunks]).toEqual([2, 2]);
    const search = await call(h, 'POST', '/api/indexes/incremental/search', { body: { query: 'charlie cherries coconuts', k: 5 } });
    expect(search.body.results.map((r: { document: string }) => r.document)).not.toContain('c.txt');
  });

  test('files of many chunks are embedded whole, several chunks per request; chunks over the model\'s context fail the job with the reason', async () => {
    const dir = join(root, 'long');
    mkdirSync(dir);
    // ~2,400 words a file: several 400-token chunks each, 16 to a request (more tokens than the context, each chunk within it).
    for (let f = 0; f < 12; f++) writeFileSync(join(dir, `f${f}.txt`), Array.from({ length: 1_200 }, (_, i) => `word${(i * 7 + f) % 503} topic${f}`).join(' '));
    const before = embeddingRequests(h).length;
    const made = await call(h, 'POST', '/api/indexes', { body: { name: 'long', path: dir, embeddingModel: EMBED } });
    expect((await finished(h, made.body.job.id)).state).toBe('succeeded');
    const index = (await call(h, 'GET', '/api/indexes/long')).body.index;
    expect(index.chunks).toBeGreaterThan(12 * 3);
    expect(index.embedded).toBe(index.chunks);
    const requests = embeddingRequests(h).slice(before);
    expect(requests.length).toBeLessThan(index.chunks / 4);
    expect(requests.flatMap((r) => r.body.input as string[])).toHaveLength(index.chunks);
    // The vectors live in the index; the requests' answers are not kept a second time.
    const children = (await call(h, 'GET', `/api/jobs?parent=${made.body.job.id}&limit=100`)).body.jobs;
    expect(children.length).toBe(requests.length);
    for (const child of children.slice(0, 3)) {
      const answer = await call(h, 'GET', `/api/jobs/${child.id}/result`);
      expect([child.state, answer.status, answer.body]).toEqual(['succeeded', 200, null]);
    }

    // One chunk per file, each longer than the simulator's 4,096-token context: nothing can be embedded.
    const tooBig = await call(h, 'POST', '/api/indexes', { body: { name: 'long', path: dir, embeddingModel: EMBED, chunkTokens: 8_000, overlapTokens: 0 } });
    const failed = await finished(h, tooBig.body.job.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'embedding_failed', message: expect.stringMatching(/^12 of 12 chunks have no vector: 12 embedding requests failed, the first with context_length: .*context length/) });
    expect((await call(h, 'GET', '/api/indexes/long')).body.index).toMatchObject({ chunks: 12, embedded: 0 });
  });

  test('changing the embedding model rebuilds: every chunk is embedded again by the new model', async () => {
    const dir = join(root, 'rebuild');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one.txt'), 'first file about gardens');
    writeFileSync(join(dir, 'two.txt'), 'second file about harbors');
    await finished(h, (await call(h, 'POST', '/api/indexes', { body: { name: 'rebuild', path: dir, embeddingModel: EMBED } })).body.job.id);
    const before = h.forwarded.length;
    const changed = await call(h, 'POST', '/api/indexes', { body: { name: 'rebuild', path: dir, embeddingModel: OTHER_EMBED } });
    expect((await finished(h, changed.body.job.id)).state).toBe('succeeded');
    const sent = h.forwarded.slice(before).filter((r) => r.model === OTHER_EMBED).flatMap((r) => r.body.input as string[]);
    expect(sent.sort()).toEqual(['first file about gardens', 'second file about harbors']);
    const index = (await call(h, 'GET', '/api/indexes/rebuild')).body.index;
    expect([index.embeddingModel, index.documents, index.embedded]).toEqual([OTHER_EMBED, 2, 2]);
  });

  test('a folder of 1,000 files', async () => {
    const dir = join(root, 'thousand');
    mkdirSync(dir);
    for (let i = 0; i < 1_000; i++) writeFileSync(join(dir, `note-${i}.txt`), `note number ${i} mentions topic${i % 50} and item${i}`);
    const made = await call(h, 'POST', '/api/indexes', { body: { name: 'thousand', path: dir, embeddingModel: EMBED } });
    expect((await finished(h, made.body.job.id)).state).toBe('succeeded');
    const index = (await call(h, 'GET', '/api/indexes/thousand')).body.index;
    expect([index.documents, index.chunks, index.embedded, index.skipped]).toEqual([1_000, 1_000, 1_000, []]);
    const search = await call(h, 'POST', '/api/indexes/thousand/search', { body: { query: 'item737', k: 1 } });
    expect(search.body.results[0].document).toBe('note-737.txt');
  }, 60_000);

  test('a schedule can re-read an index every night: its run is an index job of the index', async () => {
    const made = await call(h, 'POST', '/api/schedules', { body: { name: 'nightly-reindex', cron: '0 2 * * *', job: { kind: 'index', input: { name: 'incremental' } } } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const run = await call(h, 'POST', '/api/schedules/nightly-reindex/run');
    expect(run.body.job).toMatchObject({ kind: 'index', metadata: { index: 'incremental', schedule: 'nightly-reindex' } });
    expect((await finished(h, run.body.job.id)).state).toBe('succeeded');
    expect((await call(h, 'GET', '/api/indexes/incremental')).body.index.lastJobId).toBe(run.body.job.id);
    const unknown = await call(h, 'POST', '/api/schedules', { body: { name: 'no-such-index', cron: '0 2 * * *', job: { kind: 'index', input: { name: 'nope' } } } });
    expect([unknown.status, unknown.body.error.message]).toEqual([404, 'job.input.name: no index named nope']);
  });

  test('paths outside the roots are refused, whatever the spelling; a missing folder names the field', async () => {
    for (const path of ['/etc', join(root, 'docs', '..', '..'), `${root}-sibling`]) {
      const refused = await call(h, 'POST', '/api/indexes', { body: { name: 'escape', path, embeddingModel: EMBED } });
      expect([refused.status, refused.body.error.code], path).toEqual([403, 'forbidden']);
    }
    const missing = await call(h, 'POST', '/api/indexes', { body: { name: 'missing', path: join(root, 'nope'), embeddingModel: EMBED } });
    expect([missing.status, missing.body.error.message]).toEqual([400, expect.stringMatching(/^path: /)]);
    const bad = await call(h, 'POST', '/api/indexes', { body: { name: 'bad', path: root, embeddingModel: EMBED, chunkTokens: 32, overlapTokens: 40 } });
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringMatching(/^overlapTokens: /)]);
  });

  test("members search any index but delete only their own; deleting removes it", async () => {
    const other = h.token({ name: 'other-indexer', role: 'member' });
    const made = await call(h, 'POST', '/api/indexes', { token: other, body: { name: 'others', path: join(root, 'other'), embeddingModel: EMBED } });
    await finished(h, made.body.job.id);
    const search = await call(h, 'POST', '/api/indexes/others/search', { token: h.memberToken, body: { query: 'anything' } });
    expect([search.status, search.body.results]).toEqual([200, []]);
    const denied = await call(h, 'DELETE', '/api/indexes/others', { token: h.memberToken });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'forbidden']);
    const takeover = await call(h, 'POST', '/api/indexes', { token: h.memberToken, body: { name: 'others', path: root, embeddingModel: EMBED } });
    expect(takeover.status).toBe(403);
    expect((await call(h, 'DELETE', '/api/indexes/others', { token: other })).status).toBe(200);
    expect((await call(h, 'GET', '/api/indexes/others')).status).toBe(404);
  });

  test('at most two index jobs run at once: the third waits with a position, then runs', async () => {
    h.engine.setPaused(true); // the first two stay in their embedding stage
    const jobs: string[] = [];
    try {
      for (const name of ['wait-1', 'wait-2', 'wait-3']) {
        const dir = join(root, name);
        mkdirSync(dir);
        writeFileSync(join(dir, 'f.txt'), `${name} text`);
        jobs.push((await call(h, 'POST', '/api/indexes', { body: { name, path: dir, embeddingModel: EMBED } })).body.job.id);
      }
      const third = await vi.waitFor(async () => {
        const [a, b, c] = await Promise.all(jobs.map(async (id) => (await call(h, 'GET', `/api/jobs/${id}`)).body.job));
        expect([a.progress.stage, b.progress.stage]).toEqual(['embed', 'embed']);
        return c;
      }, WAIT);
      expect(third).toMatchObject({ state: 'queued', position: 1, progress: { stage: 'queued' } });
    } finally {
      h.engine.setPaused(false);
    }
    for (const id of jobs) expect((await finished(h, id)).state).toBe('succeeded');
  });
});

test('without --index-root, indexing is off and says how to turn it on', async () => {
  const h = await startHttpHarness();
  try {
    const off = await call(h, 'GET', '/api/indexes');
    expect([off.status, off.body.error.code]).toEqual([404, 'indexing_disabled']);
    expect(off.body.error.message).toContain('--index-root');
  } finally {
    await h.close();
  }
});
