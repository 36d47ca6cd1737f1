/**
 * The forecast is a tuned simulation (cursors, per-owner accounts, a typed-array heap, skipping
 * `decide` while every slot is busy). Here it must agree, job for job, with the plainest
 * simulation of the dispatcher: `decide` over the queue's own buckets with a real FairShare.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LANES } from '../../../shared/job';
import { FairShare, serviceCost } from '../scheduler/fair-share';
import { laneCaps } from '../scheduler/limits';
import { decide, emptyRunningView, markServed, type ModelView, type PolicyParams } from '../scheduler/policy';
import { QueueIndex } from '../scheduler/queue-index';
import type { QueuedEntry } from '../store/job-record';
import { forecast } from './forecast';
import { ServiceModel } from './service-model';

const NOW = 1_000_000;

/** What the dispatcher would do with instant bookkeeping and estimated service times. */
function referenceOrder(entries: QueuedEntry[], params: PolicyParams, start: ModelView, service: ServiceModel): { seq: number; startAt: number }[] {
  const index = new QueueIndex();
  for (const e of entries) index.add({ ...e }, NOW);
  const fair = new FairShare();
  const running = emptyRunningView();
  const models = { ...start };
  const finishes: { at: number; lane: QueuedEntry['lane']; owner: string }[] = [];
  const order: { seq: number; startAt: number }[] = [];
  let t = NOW;
  const finishOne = (): boolean => {
    if (finishes.length === 0) return false;
    finishes.sort((a, b) => a.at - b.at);
    const done = finishes.shift()!;
    t = Math.max(t, done.at);
    running.total--;
    running.byLane[done.lane]--;
    running.byOwner.set(done.owner, running.byOwner.get(done.owner)! - 1);
    return true;
  };
  const drain = {
    lastFinishAt: () => Math.max(...finishes.map((f) => f.at)),
    serviceMs: (bucket: { entry: QueuedEntry }) => service.estimate(bucket.entry).serviceMs,
  };
  for (;;) {
    const decision = decide(index.activeBuckets(), running, models, fair, params, t, drain);
    if (decision.type === 'run' || decision.type === 'backfill') {
      models.switchingTo = decision.type === 'backfill' ? decision.model : null;
      const bucket = decision.candidate;
      const entry = bucket.entry;
      markServed(bucket, t);
      index.remove(entry.seq);
      const estimate = service.estimate(entry);
      order.push({ seq: entry.seq, startAt: t });
      fair.charge(entry.owner, serviceCost(estimate.promptTokens, estimate.outputTokens));
      running.total++;
      running.byLane[entry.lane]++;
      running.byOwner.set(entry.owner, (running.byOwner.get(entry.owner) ?? 0) + 1);
      finishes.push({ at: t + estimate.serviceMs, lane: entry.lane, owner: entry.owner });
    } else if (decision.type === 'switch') {
      t += service.loadMs(decision.model);
      models.active = decision.model;
      models.switchingTo = null;
      models.activeSince = t;
    } else {
      if (decision.type === 'drain') models.switchingTo = decision.model;
      if (decision.type === 'idle' || !finishOne()) return order;
    }
  }
}

const entryArb = fc.record({
  lane: fc.constantFrom(...LANES),
  priority: fc.integer({ min: 0, max: 9 }),
  owner: fc.constantFrom('ana', 'ben', 'chen'),
  model: fc.constantFrom('a', 'b'),
  age: fc.integer({ min: 0, max: 600_000 }),
  promptTokens: fc.integer({ min: 1, max: 400 }),
  maxTokens: fc.option(fc.integer({ min: 1, max: 300 })),
});

describe('forecast', () => {
  test('property: the forecast order and start times are the dispatcher policy simulated plainly', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.constantFrom<string | null>('a', 'b', null),
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.option(fc.integer({ min: 1, max: 2 })),
        (specs, slots, aging, active, switchBoundMs, maxRunningPerOwner) => {
          const entries: QueuedEntry[] = specs.map((s, i) => ({
            seq: i + 1,
            kind: 'chat',
            model: s.model,
            owner: s.owner,
            lane: s.lane,
            priority: s.priority,
            createdAt: NOW - s.age,
            runAt: 0,
            promptTokens: s.promptTokens,
            maxTokens: s.maxTokens,
          }));
          const params: PolicyParams = { slots, laneCaps: laneCaps(slots), maxRunningPerOwner, agingMs: aging ? 60_000 : 0, switchBoundMs };
          const models: ModelView = { active, activeSince: NOW - 30_000, loading: false, switchingTo: null };
          const service = new ServiceModel();
          const index = new QueueIndex();
          for (const e of entries) index.add({ ...e }, NOW);
          const result = forecast({ index, running: [], models, fair: new FairShare(), params, service, now: NOW });
          const predicted = result.order.map((node, i) => ({ seq: node.seq, startAt: result.startAt[i]! }));
          expect(predicted).toEqual(referenceOrder(entries, params, models, service));
          expect(predicted.length).toBe(entries.length);
        },
      ),
      {
        numRuns: 300,
        // Found by CI: two jobs finishing at the same instant in different lanes; which frees its
        // slot first decides what starts next, so equal finishes must leave in a fixed order.
        examples: [
          [
            [
              { lane: 'interactive', priority: 1, owner: 'ana', model: 'a', age: 0, promptTokens: 1, maxTokens: null },
              { lane: 'interactive', priority: 0, owner: 'ana', model: 'a', age: 0, promptTokens: 1, maxTokens: null },
              { lane: 'background', priority: 1, owner: 'ana', model: 'a', age: 0, promptTokens: 219, maxTokens: null },
              { lane: 'interactive', priority: 0, owner: 'ben', model: 'a', age: 0, promptTokens: 219, maxTokens: null },
              { lane: 'background', priority: 0, owner: 'ana', model: 'a', age: 0, promptTokens: 1, maxTokens: null },
              { lane: 'interactive', priority: 0, owner: 'ana', model: 'a', age: 0, promptTokens: 1, maxTokens: null },
            ],
            3,
            false,
            'a',
            1000,
            null,
          ],
        ],
      },
    );
  });
});
