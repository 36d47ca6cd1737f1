/**
 * Property: after any sequence of document replacements and removals, vector stores (late ones
 * for chunks already gone among them) and rebuilds, the store's counts and pending chunks are
 * what a plain in-memory model says, and search returns exactly the model's best chunks: never
 * one of a removed or replaced version, never one without a vector.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, test } from 'vitest';
import { JobStore } from '../store/job-store';
import { IndexStore } from './index-store';

const DIMENSIONS = 4;
const PATHS = ['a.txt', 'b.md', 'c/d.pdf'];

type Step =
  | { kind: 'replace'; path: string; chunks: number; bytes: number }
  | { kind: 'remove'; path: string }
  /** Vectors for a share of the pending chunks (picked by `pick`), and for some chunks already gone. */
  | { kind: 'store'; pick: boolean[]; stale: number; vectors: number[][] }
  | { kind: 'clear' }
  | { kind: 'search'; query: number[]; k: number };

const vector = fc.array(fc.integer({ min: -9, max: 9 }), { minLength: DIMENSIONS, maxLength: DIMENSIONS }).filter((v) => v.some((x) => x !== 0));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.constantFrom(...PATHS), chunks: fc.integer({ min: 0, max: 4 }), bytes: fc.integer({ min: 0, max: 1_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), path: fc.constantFrom(...PATHS) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('store' as const), pick: fc.array(fc.boolean(), { maxLength: 12 }), stale: fc.integer({ min: 0, max: 3 }), vectors: fc.array(vector, { minLength: 16, maxLength: 16 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('search' as const), query: vector, k: fc.integer({ min: 1, max: 6 }) }) },
);

interface ModelChunk {
  text: string;
  vector: number[] | null;
}

const dir = mkdtempSync(join(tmpdir(), 'lmq-index-property-'));
const jobs = new JobStore({ path: join(dir, 'lmqueue.db') });
const store = new IndexStore(jobs.db);
afterAll(async () => {
  await jobs.close();
  rmSync(dir, { recursive: true, force: true });
});

const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let run = 0;
test('counts, pending chunks and search agree with an in-memory model after any sequence of changes', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
      const { id } = store.upsertIndex({ name: `p${run++}`, path: '/x', embeddingModel: 'm', chunkTokens: 100, overlapTokens: 0, include: null, owner: 'o', now: 0 });
      const documents = new Map<string, { bytes: number; chunks: ModelChunk[] }>();
      /** Chunk ids the store gave out, by text (each text is unique: its path, version and ordinal). */
      const ids = new Map<string, number>();
      const goneIds: number[] = [];
      let version = 0;
      const live = () => [...documents.values()].flatMap((d) => d.chunks);
      const forget = (chunks: ModelChunk[]) => chunks.forEach((c) => ids.has(c.text) && goneIds.push(ids.get(c.text)!));
      const pending = () => store.pendingChunks(id, { afterId: 0, limit: 1_000 });

      for (const s of steps) {
        if (s.kind === 'replace') {
          version++;
          const texts = Array.from({ length: s.chunks }, (_, i) => `${s.path}#${version}#${i}`);
          store.replaceDocument(id, { path: s.path, hash: `v${version}`, bytes: s.bytes, chunks: texts.map((text, ordinal) => ({ ordinal, text, tokens: 3 })) });
          forget(documents.get(s.path)?.chunks ?? []);
          documents.set(s.path, { bytes: s.bytes, chunks: texts.map((text) => ({ text, vector: null })) });
        } else if (s.kind === 'remove') {
          expect(store.removeDocument(id, s.path)).toBe(documents.has(s.path));
          forget(documents.get(s.path)?.chunks ?? []);
          documents.delete(s.path);
        } else if (s.kind === 'clear') {
          store.clearDocuments(id);
          for (const d of documents.values()) forget(d.chunks);
          documents.clear();
        } else if (s.kind === 'store') {
          const chosen = pending().filter((_, i) => s.pick[i]);
          for (const c of chosen) ids.set(c.text, c.id);
          const entries = [...chosen.map((c) => c.id), ...goneIds.slice(-s.stale)].map((chunkId, i) => ({ chunkId, vector: s.vectors[i % s.vectors.length]! }));
          expect(store.storeVectors(id, entries)).toBe(chosen.length);
          chosen.forEach((c, i) => {
            live().find((m) => m.text === c.text)!.vector = unit(s.vectors[i % s.vectors.length]!);
          });
        } else {
          const results = store.search(id, s.query, s.k);
          const q = unit(s.query);
          const embedded = live().filter((c) => c.vector !== null);
          const expected = embedded.map((c) => dot(q, c.vector!)).sort((a, b) => b - a).slice(0, s.k);
          expect(results.map((r) => r.score)).toEqual(expected.map((score) => expect.closeTo(score, 5)));
          for (const r of results) {
            const chunk = documents.get(r.document)?.chunks[r.chunk];
            expect(chunk?.text).toBe(r.text);
            expect(chunk?.vector).not.toBeNull();
            expect(r.score).toBeCloseTo(dot(q, chunk!.vector!), 5);
          }
        }
        const chunks = live();
        expect(store.counts(id)).toEqual({
          documents: documents.size,
          chunks: chunks.length,
          embedded: chunks.filter((c) => c.vector !== null).length,
          bytes: [...documents.values()].reduce((sum, d) => sum + d.bytes, 0),
        });
        // No vector outlives its chunk (search would hide one, but it would crowd out live ones).
        const table = `index_vectors_${id}`;
        const tableExists = jobs.db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(table) !== undefined;
        const vectors = tableExists ? (jobs.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n : 0;
        expect(vectors).toBe(chunks.filter((c) => c.vector !== null).length);
        const pendingIds = pending().map((c) => c.id);
        expect(pendingIds).toEqual([...pendingIds].sort((a, b) => a - b));
        expect(pending().map((c) => c.text).sort()).toEqual(chunks.filter((c) => c.vector === null).map((c) => c.text).sort());
      }
      expect(store.deleteIndex(`p${run - 1}`)).toBe(true);
    }),
    { numRuns: 60 },
  );
});
