import { describe, expect, test } from 'vitest';
import { nextIndex } from './baseline-queues';
import { generateWorkload, MODEL_A, MODEL_B, SIM_OUTPUT_RANGE } from './workload';

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

describe('baseline queue order', () => {
  const job = (id: string, lane: 'interactive' | 'batch' | 'background') => ({ ...generateWorkload({ seed: 1 }).jobs[0]!, id, lane });

  test('FIFO takes the oldest whatever its lane', () => {
    expect(nextIndex('fifo', [job('a', 'background'), job('b', 'interactive')])).toBe(0);
  });

  test('strict priority takes interactive before batch before background, oldest first within a lane', () => {
    const waiting = [job('a', 'background'), job('b', 'batch'), job('c', 'interactive'), job('d', 'interactive')];
    expect(nextIndex('strict-priority', waiting)).toBe(2);
    expect(nextIndex('strict-priority', waiting.slice(0, 2))).toBe(1);
  });
});
