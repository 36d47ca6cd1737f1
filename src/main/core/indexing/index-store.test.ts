/** The index store over a real engine database in a temporary folder: documents, pending work, vectors, search. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { LmqError } from '../../../shared/errors';
import { JobStore } from '../store/job-store';
import { IndexStore, type NewIndex } from './index-store';
import { loadVectorExtension } from './vector-table';

const dirs: string[] = [];
const open: Array<{ jobs: JobStore; store: IndexStore }> = [];

afterEach(async () => {
  await Promise.all(
    open.splice(0).map(({ jobs, store }) => {
      store.close();
      return jobs.close();
    }),
  );
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(dir?: string): { store: IndexStore; db: Database.Database; dir: string; close: () => Promise<void> } {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'lmq-index-store-'));
  if (!dir) dirs.push(folder);
  const jobs = new JobStore({ path: join(folder, 'lmqueue.db') });
  // As the engine makes it: searches through a read-only connection of their own.
  const entry = { jobs, store: new IndexStore(jobs.db, jobs.openReader()) };
  open.push(entry);
  const close = () => {
    open.splice(open.indexOf(entry), 1);
    entry.store.close();
    return jobs.close();
  };
  return { store: entry.store, db: jobs.db, dir: folder, close };
}

function settings(extra: Partial<NewIndex> = {}): NewIndex {
  return { name: 'docs', path: '/data/docs', embeddingModel: 'embed-a', chunkTokens: 400, overlapTokens: 50, include: null, owner: 'alice', now: 1_000, ...extra };
}

const chunks = (...texts: string[]) => texts.map((text, ordinal) => ({ ordinal, text, tokens: Math.ceil(text.length / 4) }));
const pendingTexts = (store: IndexStore, indexId: number) => store.pendingChunks(indexId, { afterId: 0, limit: 1_000 }).map((c) => c.text);
const rowCount = (db: Database.Database, table: string, indexId: number) =>
  (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE index_id = ?`).get(indexId) as { n: number }).n;

/** A vector along one axis of `dimensions`, tilted a little toward the next one. */
function axis(at: number, dimensions: number, tilt = 0): number[] {
  const v = new Array<number>(dimensions).fill(0);
  v[at] = 1;
  v[(at + 1) % dimensions] = tilt;
  return v;
}

describe('index store', () => {
  test('an index is made once by name; a second upsert changes its settings and keeps its id, owner, documents and creation time', () => {
    const { store } = openStore();
    const made = store.upsertIndex(settings({ include: ['**/*.md'] }));
    expect(made).toMatchObject({ name: 'docs', include: ['**/*.md'], owner: 'alice', createdAt: 1_000, updatedAt: 1_000, lastJobId: null, skipped: [], dimensions: null });
    store.replaceDocument(made.id, { path: 'a.md', hash: 'h1', bytes: 10, chunks: chunks('alpha') });
    const changed = store.upsertIndex(settings({ embeddingModel: 'embed-b', chunkTokens: 200, include: null, owner: 'bob', now: 2_000 }));
    expect(changed).toMatchObject({ id: made.id, embeddingModel: 'embed-b', chunkTokens: 200, include: null, owner: 'alice', createdAt: 1_000, updatedAt: 2_000 });
    expect(store.documents(made.id).map((d) => d.path)).toEqual(['a.md']);

    const skipped = [{ path: 'big.pdf', reason: 'too_large' as const, message: 'over 50 MB' }];
    expect(store.updateIndex('docs', { lastJobId: 'job-1', skipped, updatedAt: 3_000 })).toMatchObject({ lastJobId: 'job-1', skipped, updatedAt: 3_000 });
    store.upsertIndex(settings({ name: 'another' }));
    expect(store.listIndexes().map((i) => i.name)).toEqual(['another', 'docs']);
    expect(store.getIndex('missing')).toBeNull();
    expect(() => store.updateIndex('missing', { lastJobId: 'x' })).toThrow(/no index named missing/);
  });

  test('replacing a document drops its old chunks and their vectors; the new chunks wait for vectors; removing it drops everything of it', () => {
    const { store, db } = openStore();
    const { id } = store.upsertIndex(settings());
    store.replaceDocument(id, { path: 'a.txt', hash: 'v1', bytes: 100, chunks: chunks('a one', 'a two', 'a three') });
    store.replaceDocument(id, { path: 'b.txt', hash: 'b1', bytes: 50, chunks: chunks('b one') });
    const first = store.pendingChunks(id, { afterId: 0, limit: 10 });
    expect(store.storeVectors(id, first.map((c, i) => ({ chunkId: c.id, vector: axis(i, 4) })))).toBe(4);
    expect(store.counts(id)).toEqual({ documents: 2, chunks: 4, embedded: 4, bytes: 150 });

    store.replaceDocument(id, { path: 'a.txt', hash: 'v2', bytes: 70, chunks: chunks('a new one', 'a new two') });
    expect(store.documents(id)).toEqual([expect.objectContaining({ path: 'a.txt', hash: 'v2', bytes: 70 }), expect.objectContaining({ path: 'b.txt', hash: 'b1', bytes: 50 })]);
    expect(store.counts(id)).toEqual({ documents: 2, chunks: 3, embedded: 1, bytes: 120 });
    expect(pendingTexts(store, id)).toEqual(['a new one', 'a new two']);
    // An answer for the old version's chunks comes late: nothing of it is stored.
    expect(store.storeVectors(id, first.slice(0, 3).map((c) => ({ chunkId: c.id, vector: axis(0, 4) })))).toBe(0);
    expect(store.search(id, axis(0, 4), 10).map((r) => r.text)).toEqual(['b one']);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM index_vectors_${id}`).get()).toEqual({ n: 1 });

    expect(store.removeDocument(id, 'b.txt')).toBe(true);
    expect(store.removeDocument(id, 'b.txt')).toBe(false);
    expect(store.counts(id)).toEqual({ documents: 1, chunks: 2, embedded: 0, bytes: 70 });
    expect(store.search(id, axis(0, 4), 10)).toEqual([]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM index_vectors_${id}`).get()).toEqual({ n: 0 });
  });

  test('pending chunks page in id order and shrink as vectors arrive; a stored vector may be stored again', () => {
    const { store } = openStore();
    const { id } = store.upsertIndex(settings());
    store.replaceDocument(id, { path: 'a.txt', hash: 'h', bytes: 1, chunks: chunks('c0', 'c1', 'c2', 'c3', 'c4') });
    const page1 = store.pendingChunks(id, { afterId: 0, limit: 2 });
    const page2 = store.pendingChunks(id, { afterId: page1[1]!.id, limit: 2 });
    const page3 = store.pendingChunks(id, { afterId: page2[1]!.id, limit: 2 });
    expect([...page1, ...page2, ...page3].map((c) => c.text)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(page1[0]).toEqual({ id: page1[0]!.id, text: 'c0', tokens: 1 });

    store.storeVectors(id, [page1[0]!, page2[0]!].map((c) => ({ chunkId: c.id, vector: axis(0, 3) })));
    expect(pendingTexts(store, id)).toEqual(['c1', 'c3', 'c4']);
    expect(store.storeVectors(id, [{ chunkId: page1[0]!.id, vector: axis(2, 3) }])).toBe(1);
    expect(store.counts(id).embedded).toBe(2);
    expect(store.search(id, axis(2, 3), 1)[0]).toMatchObject({ text: 'c0', score: expect.closeTo(1, 5) });
  });

  test('after the database is closed and opened again, what is pending is exactly what was not stored, and search still works', async () => {
    const first = openStore();
    const { id } = first.store.upsertIndex(settings());
    first.store.replaceDocument(id, { path: 'a.txt', hash: 'h', bytes: 1, chunks: chunks('one', 'two', 'three', 'four') });
    const pending = first.store.pendingChunks(id, { afterId: 0, limit: 10 });
    first.store.storeVectors(id, [pending[0]!, pending[2]!].map((c, i) => ({ chunkId: c.id, vector: axis(i, 4) })));
    await first.close();

    const again = openStore(first.dir);
    expect(again.store.getIndex('docs')).toMatchObject({ id, dimensions: 4 });
    expect(again.store.pendingChunks(id, { afterId: 0, limit: 10 })).toEqual([pending[1], pending[3]]);
    expect(again.store.search(id, axis(1, 4), 2).map((r) => r.text)).toEqual(['three', 'one']);
  });

  test('the first vector fixes the dimensions: another length is an error naming both, a query of another length a bad request; a rebuild frees them', () => {
    const { store } = openStore();
    const { id } = store.upsertIndex(settings());
    store.replaceDocument(id, { path: 'a.txt', hash: 'h', bytes: 1, chunks: chunks('one', 'two') });
    const [one, two] = store.pendingChunks(id, { afterId: 0, limit: 10 });
    store.storeVectors(id, [{ chunkId: one!.id, vector: axis(0, 4) }]);
    expect(store.getIndex('docs')!.dimensions).toBe(4);
    expect(() => store.storeVectors(id, [{ chunkId: two!.id, vector: axis(0, 6) }])).toThrow(/4 dimensions.*one of 6/);
    expect(store.counts(id).embedded).toBe(1);
    let error: unknown;
    try {
      store.search(id, axis(0, 3), 5);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LmqError);
    expect(error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/3 dimensions.*of 4/) });
    expect(() => store.storeVectors(id, [{ chunkId: two!.id, vector: [0, 0, 0, 0] }])).toThrow(/zeros/);

    store.clearDocuments(id);
    expect(store.getIndex('docs')!.dimensions).toBeNull();
    expect(store.counts(id)).toEqual({ documents: 0, chunks: 0, embedded: 0, bytes: 0 });
    expect(store.search(id, axis(0, 3), 5)).toEqual([]);
    store.replaceDocument(id, { path: 'a.txt', hash: 'h', bytes: 1, chunks: chunks('six') });
    const [six] = store.pendingChunks(id, { afterId: 0, limit: 10 });
    expect(store.storeVectors(id, [{ chunkId: six!.id, vector: axis(0, 6) }])).toBe(1);
    expect(store.search(id, axis(0, 6), 5).map((r) => r.text)).toEqual(['six']);
  });

  test('a first store that fails leaves no dimensions behind', () => {
    const { store } = openStore();
    const { id } = store.upsertIndex(settings());
    store.replaceDocument(id, { path: 'a.txt', hash: 'h', bytes: 1, chunks: chunks('one', 'two') });
    const [one, two] = store.pendingChunks(id, { afterId: 0, limit: 10 });
    expect(() => store.storeVectors(id, [{ chunkId: one!.id, vector: axis(0, 4) }, { chunkId: two!.id, vector: axis(0, 5) }])).toThrow(/5/);
    expect(store.getIndex('docs')!.dimensions).toBeNull();
    expect(store.storeVectors(id, [{ chunkId: one!.id, vector: axis(0, 5) }])).toBe(1);
    expect(store.search(id, axis(0, 5), 1).map((r) => r.text)).toEqual(['one']);
  });

  test('search maps the file through a reader of its own: the writer\'s connection stays unmapped, and the reader sees each commit', () => {
    const { store, db } = openStore();
    const { id } = store.upsertIndex(settings());
    store.replaceDocument(id, { path: 'a.md', hash: 'h', bytes: 1, chunks: chunks('a0') });
    const [first] = store.pendingChunks(id, { afterId: 0, limit: 10 });
    store.storeVectors(id, [{ chunkId: first!.id, vector: axis(0, 4) }]);
    expect(store.search(id, axis(0, 4), 5).map((r) => r.text)).toEqual(['a0']);
    store.replaceDocument(id, { path: 'b.md', hash: 'h', bytes: 1, chunks: chunks('b0') });
    const [second] = store.pendingChunks(id, { afterId: 0, limit: 10 });
    store.storeVectors(id, [{ chunkId: second!.id, vector: axis(1, 4) }]);
    expect(store.search(id, axis(1, 4), 1).map((r) => r.text)).toEqual(['b0']);
    expect(db.pragma('mmap_size', { simple: true })).toBe(0);
  });

  test('search ranks by cosine similarity, nearest first, over chunks with vectors only, at most k', () => {
    const { store } = openStore();
    const { id } = store.upsertIndex(settings());
    expect(store.search(id, axis(0, 8), 3)).toEqual([]);
    store.replaceDocument(id, { path: 'x.md', hash: 'h', bytes: 1, chunks: chunks('x0', 'x1', 'x2') });
    store.replaceDocument(id, { path: 'y.md', hash: 'h', bytes: 1, chunks: chunks('y0', 'y1', 'unembedded') });
    const pending = store.pendingChunks(id, { afterId: 0, limit: 10 });
    // Each chunk i points along axis i, tilted toward axis i+1; lengths differ (they are normalised).
    const vectors = pending.slice(0, 5).map((c, i) => ({ chunkId: c.id, vector: axis(i, 8, 0.5).map((x) => x * (i + 1)) }));
    store.storeVectors(id, vectors);

    const query = axis(2, 8, 0.9); // nearest x2 (axis 2), then y0 (axis 3, tilted from 2's tilt), then x1
    const cosine = (a: number[], b: number[]) => {
      const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
      return dot / Math.hypot(...a) / Math.hypot(...b);
    };
    const expected = vectors
      .map((v, i) => ({ text: pending[i]!.text, score: cosine(query, v.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    const results = store.search(id, query, 3);
    expect(results.map((r) => r.text)).toEqual(expected.map((e) => e.text));
    results.forEach((r, i) => expect(r.score).toBeCloseTo(expected[i]!.score, 5));
    expect(results[0]).toMatchObject({ document: 'x.md', chunk: 2, text: 'x2' });
    expect(store.search(id, axis(5, 8), 10).map((r) => r.text)).not.toContain('unembedded');
    expect(store.search(id, axis(5, 8), 10)).toHaveLength(5);
    // Opposite of every vector: the scores are negative, still in order.
    const opposite = store.search(id, axis(0, 8).map((x) => -x), 10);
    expect(opposite[opposite.length - 1]).toMatchObject({ text: 'x0', score: expect.closeTo(-cosine(axis(0, 8), vectors[0]!.vector), 5) });
    expect(() => store.search(id, axis(0, 8), 0)).toThrow(LmqError);
  });

  test('deleting an index removes its documents, chunks and vector table, and nothing of another index', () => {
    const { store, db } = openStore();
    const kept = store.upsertIndex(settings({ name: 'kept' }));
    const gone = store.upsertIndex(settings({ name: 'gone' }));
    for (const index of [kept, gone]) {
      store.replaceDocument(index.id, { path: 'a.txt', hash: 'h', bytes: 5, chunks: chunks('one', 'two') });
      store.storeVectors(index.id, store.pendingChunks(index.id, { afterId: 0, limit: 10 }).map((c, i) => ({ chunkId: c.id, vector: axis(i, 4) })));
    }
    const vectorTables = () => (db.prepare("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'").all() as { name: string }[]).map((r) => r.name);
    expect(vectorTables().sort()).toEqual([`index_vectors_${kept.id}`, `index_vectors_${gone.id}`].sort());
    // A chunk id of another index is not one of this index's chunks.
    const goneChunk = db.prepare('SELECT id FROM index_chunks WHERE index_id = ? LIMIT 1').get(gone.id) as { id: number };
    expect(store.storeVectors(kept.id, [{ chunkId: goneChunk.id, vector: axis(0, 4) }])).toBe(0);

    expect(store.deleteIndex('gone')).toBe(true);
    expect(store.deleteIndex('gone')).toBe(false);
    expect(store.getIndex('gone')).toBeNull();
    expect(rowCount(db, 'index_documents', gone.id)).toBe(0);
    expect(rowCount(db, 'index_chunks', gone.id)).toBe(0);
    expect(vectorTables()).toEqual([`index_vectors_${kept.id}`]);
    // vec0's own shadow tables go with it.
    expect(db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'index_vectors_${gone.id}%'`).get()).toEqual({ n: 0 });
    expect(store.counts(kept.id)).toEqual({ documents: 1, chunks: 2, embedded: 2, bytes: 5 });
    expect(store.search(kept.id, axis(1, 4), 1).map((r) => r.text)).toEqual(['two']);
  });

  test('a second store over the same database sees the first one\'s indexes (the tables are the schema\'s, made once)', () => {
    const { store, db } = openStore();
    store.upsertIndex(settings());
    expect(new IndexStore(db).getIndex('docs')).toMatchObject({ name: 'docs' });
  });

  test('the extension loads once per database, and a failure to load it says what is missing', () => {
    const { db } = openStore();
    expect(() => loadVectorExtension(db)).not.toThrow();
    expect(db.prepare('SELECT vec_version() AS v').get()).toMatchObject({ v: expect.stringMatching(/^v0\.1/) });
    const refusing = {
      loadExtension() {
        throw new Error('extension loading is disabled');
      },
    } as unknown as Database.Database;
    expect(() => loadVectorExtension(refusing)).toThrow(/sqlite-vec.*did not load from .*: extension loading is disabled/);
  });
});
