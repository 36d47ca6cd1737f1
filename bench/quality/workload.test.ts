import { describe, expect, test, vi } from 'vitest';
import { nextIndex } from './baseline-queues';
import { generateRagWorkload, RAG_EMBEDDING, RAG_INDEXER, RAG_LLM, RAG_QUERIERS } from './rag-workload';
import { replayArrivals } from './run-trace';
import { generateWorkload, MODEL_A, MODEL_B, SIM_OUTPUT_RANGE, type WorkloadJob } from './workload';
import { WORKLOAD_NAMES, workloadSpec } from './workloads';

describe('team workload', () => {
  test('is the same for the same seed and differs for another seed', () => {
    expect(generateWorkload({ seed: 7 })).toEqual(generateWorkload({ seed: 7 }));
    expect(generateWorkload({ seed: 8 }).jobs).not.toEqual(generateWorkload({ seed: 7 }).jobs);
  });

  test('has the batch, the background jobs and two chatters over the window', () => {
    const w = generateWorkload({ seed: 42 });
    const batch = w.jobs.filter((j) => j.lane === 'batch');
    const background = w.jobs.filter((j) => j.lane === 'background');
    const chats = w.jobs.filter((j) => j.lane === 'interactive');
    expect(batch).toHaveLength(300);
    expect(new Set(batch.map((j) => j.arrivalSeconds))).toEqual(new Set([0]));
    expect(background).toHaveLength(6);
    expect(new Set(chats.map((j) => j.owner))).toEqual(new Set(['alice', 'bob']));
    expect(chats.length).toBeGreaterThan(15);
    expect(Math.max(...chats.map((j) => j.arrivalSeconds))).toBeLessThan(600);
    expect(new Set(w.jobs.map((j) => j.model))).toEqual(new Set([MODEL_A, MODEL_B]));
    expect(w.busyOwners).toEqual(['carol', 'dave']);
  });

  test('sizes jobs as the brief says: short chats, long background jobs, caps inside the simulator range', () => {
    const w = generateWorkload({ seed: 3 });
    for (const job of w.jobs) {
      if (job.kind !== 'chat') throw new Error(`the team day has only chats, got ${job.kind}`);
      const cap = job.input.max_tokens;
      expect(cap).toBeLessThanOrEqual(SIM_OUTPUT_RANGE.max);
      if (job.lane === 'interactive') expect(cap >= 100 && cap <= 300).toBe(true);
      if (job.lane === 'background') expect(job.input.messages[0]!.content.length).toBeGreaterThanOrEqual(4_000);
    }
  });

  test('keeps arrival order, and the batch in submission order', () => {
    const w = generateWorkload({ seed: 5 });
    const arrivals = w.jobs.map((j) => j.arrivalSeconds);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    const batchIds = w.jobs.filter((j) => j.lane === 'batch').map((j) => j.id);
    expect(batchIds).toEqual([...batchIds].sort());
    expect(new Set(w.jobs.map((j) => j.id)).size).toBe(w.jobs.length);
  });
});

describe('RAG workload', () => {
  test('embeds 2,000 chunks as 250 batch requests of 8, and sends each query as an embedding then a chat that waits for it', () => {
    const w = generateRagWorkload({ seed: 42 });
    const indexing = w.jobs.filter((j) => j.owner === RAG_INDEXER);
    expect(indexing).toHaveLength(250);
    expect(indexing.every((j) => j.kind === 'embedding' && j.lane === 'batch' && j.model === RAG_EMBEDDING && j.input.input.length === 8)).toBe(true);
    const byId = new Map(w.jobs.map((j) => [j.id, j]));
    const chats = w.jobs.filter((j) => j.kind === 'chat');
    expect(new Set(chats.map((j) => j.owner))).toEqual(new Set(RAG_QUERIERS));
    expect(chats.length).toBeGreaterThan(40);
    for (const chat of chats) {
      const embedding = byId.get(chat.after!);
      expect(embedding).toMatchObject({ kind: 'embedding', owner: chat.owner, lane: 'interactive', arrivalSeconds: chat.arrivalSeconds });
      expect(chat.model).toBe(RAG_LLM);
    }
    expect(generateRagWorkload({ seed: 42 })).toEqual(w);
  });

  test('each workload runs on an LM Studio where what it needs at start fits the budget', () => {
    for (const name of WORKLOAD_NAMES) {
      const spec = workloadSpec(name);
      const size = (id: string): number => spec.simModels.map((m) => (typeof m === 'string' ? { id: m, sizeBytes: 0 } : m)).find((m) => m.id === id)!.sizeBytes!;
      const atStart = spec.initialLoaded.reduce((sum, id) => sum + size(id), 0);
      expect(atStart).toBeLessThanOrEqual(spec.memoryBytes);
      const everything = spec.workload.models.reduce((sum, id) => sum + size(id), 0);
      // Only room-for-one cannot hold every model at once.
      expect(everything <= spec.memoryBytes).toBe(name !== 'room-for-one');
    }
  });
});

describe('arrival replay', () => {
  test('hands a job with `after` over only once that job has finished', async () => {
    const base = generateWorkload({ seed: 1 }).jobs[0]!;
    const jobs: WorkloadJob[] = [
      { ...base, id: 'first', arrivalSeconds: 0 },
      { ...base, id: 'second', arrivalSeconds: 0, after: 'first' },
    ];
    const handed: string[] = [];
    const replay = replayArrivals(jobs, 0.001, (due) => handed.push(...due.map((j) => j.id)));
    await vi.waitFor(() => expect(handed).toEqual(['first']));
    let done = false;
    void replay.done.then(() => (done = true));
    // Everything due by time has been handed over; the dependent waits for its prerequisite.
    await new Promise((resolve) => setImmediate(resolve));
    expect([handed, done]).toEqual([['first'], false]);
    replay.finished('first');
    await replay.done;
    expect(handed).toEqual(['first', 'second']);
  });
});

describe('baseline queue order', () => {
  const job = (id: string, lane: 'interactive' | 'batch' | 'background') => ({ ...generateWorkload({ seed: 1 }).jobs[0]!, id, lane });

  test('FIFO takes the oldest whatever its lane, among the models with a free slot', () => {
    const waiting = [job('a', 'background'), { ...job('b', 'interactive'), model: MODEL_B }];
    expect(nextIndex('fifo', waiting)).toBe(0);
    expect(nextIndex('fifo', waiting, (model) => model !== waiting[0]!.model)).toBe(1);
    expect(nextIndex('fifo', waiting, () => false)).toBe(-1);
    expect(nextIndex('fifo', [])).toBe(-1);
  });

  test('strict priority takes interactive before batch before background, oldest first within a lane', () => {
    const waiting = [job('a', 'background'), job('b', 'batch'), job('c', 'interactive'), job('d', 'interactive')];
    expect(nextIndex('strict-priority', waiting)).toBe(2);
    expect(nextIndex('strict-priority', waiting.slice(0, 2))).toBe(1);
  });
});
