import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../core/engine-api';
import { FINISHED_STATES, LANES, type Job } from '../../shared/job';
import type { EventHub } from './event-hub';

/** Finished ids remembered to count each job once even if the engine repeats an update. */
const MAX_REMEMBERED_FINISHED = 10_000;

export interface ServerMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

function seconds(fromIso: string | null, toIso: string | null): number | null {
  if (!fromIso || !toIso) return null;
  const value = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** Only when the Neo4j mirror is configured (it is, or is not, for the engine's life). */
function registerNeo4jGauges(registry: Registry, engine: Engine): void {
  const mirror = () => engine.backend().neo4j;
  new Gauge({
    name: 'lmq_neo4j_connected',
    help: '1 while the Neo4j mirror of job records can write, else 0',
    registers: [registry],
    collect() {
      this.set(mirror()?.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lmq_neo4j_lag_rows',
    help: 'Job changes not yet committed to Neo4j (outbox rows)',
    registers: [registry],
    collect() {
      this.set(mirror()?.lag.rows ?? 0);
    },
  });
  new Gauge({
    name: 'lmq_neo4j_lag_seconds',
    help: 'Age of the oldest job change not yet committed to Neo4j',
    registers: [registry],
    collect() {
      this.set(mirror()?.lag.seconds ?? 0);
    },
  });
  new Gauge({
    name: 'lmq_neo4j_backfill_fraction',
    help: 'How far the backfill of jobs the outbox never saw is through the job history (1: done)',
    registers: [registry],
    collect() {
      this.set(mirror()?.backfill?.fraction ?? 1);
    },
  });
}

/**
 * Prometheus metrics in their own registry (several servers can share a process in tests).
 * Gauges read the engine at scrape time; histograms and counters follow `job.updated`.
 */
export function createMetrics(engine: Engine, hub: EventHub): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'lmq_queue_depth',
    help: 'Queued jobs by lane',
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      const counts = engine.counts();
      for (const lane of LANES) this.set({ lane }, counts.queuedByLane[lane] ?? 0);
    },
  });
  new Gauge({
    name: 'lmq_queue_depth_by_priority',
    help: 'Queued jobs by priority (0-9)',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      for (const [priority, n] of Object.entries(engine.counts().queuedByPriority)) this.set({ priority }, n);
    },
  });
  new Gauge({
    name: 'lmq_running_jobs',
    help: 'Running jobs by lane',
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      const counts = engine.counts();
      for (const lane of LANES) this.set({ lane }, counts.runningByLane[lane] ?? 0);
    },
  });
  new Gauge({
    name: 'lmq_backend_up',
    help: '1 when LM Studio answers, 0 when it does not (or is not known yet)',
    registers: [registry],
    collect() {
      this.set(engine.backend().status === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lmq_backend_slots',
    help: 'Concurrent requests the queue sends to LM Studio',
    registers: [registry],
    collect() {
      this.set(engine.backend().slots);
    },
  });
  new Gauge({
    name: 'lmq_dispatch_paused',
    help: '1 while dispatching is paused',
    registers: [registry],
    collect() {
      this.set(engine.paused() ? 1 : 0);
    },
  });

  new Gauge({
    name: 'lmq_storage_ok',
    help: '1 while the data directory takes writes; 0 while it is full, read-only or failing (new work refused)',
    registers: [registry],
    collect() {
      this.set((engine.backend().storage?.status ?? 'ok') === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lmq_storage_unsaved_results',
    help: 'Finished jobs whose outcome is held in memory until the data directory takes writes again',
    registers: [registry],
    collect() {
      this.set(engine.backend().storage?.unsavedResults ?? 0);
    },
  });

  if (engine.backend().neo4j) registerNeo4jGauges(registry, engine);

  const waitSeconds = new Histogram({
    name: 'lmq_job_wait_seconds',
    help: 'Time from submission to start, per start',
    labelNames: ['lane'],
    buckets: [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  const runSeconds = new Histogram({
    name: 'lmq_job_run_seconds',
    help: 'Time from start to finish of jobs that ran',
    labelNames: ['kind', 'state'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const finished = new Counter({
    name: 'lmq_jobs_finished_total',
    help: 'Jobs that reached a final state',
    labelNames: ['state', 'kind'],
    registers: [registry],
  });
  const tokensPerSecond = new Gauge({
    name: 'lmq_generation_tokens_per_second',
    help: 'Generation speed of the last finished request, per model',
    labelNames: ['model'],
    registers: [registry],
  });

  /** startedAt last observed per unfinished job: a retried job waits again, a progress update does not. */
  const startsSeen = new Map<string, string>();
  const finishedSeen = new Set<string>();

  function observe(job: Job): void {
    // Updates are coalesced: a quick job may show up only once it has finished, so its start is
    // observed from whichever update first carries it.
    if (job.startedAt && startsSeen.get(job.id) !== job.startedAt && !finishedSeen.has(job.id)) {
      startsSeen.set(job.id, job.startedAt);
      const wait = seconds(job.createdAt, job.startedAt);
      if (wait !== null) waitSeconds.observe({ lane: job.lane }, wait);
    }
    if (!FINISHED_STATES.includes(job.state) || finishedSeen.has(job.id)) return;
    startsSeen.delete(job.id);
    finishedSeen.add(job.id);
    if (finishedSeen.size > MAX_REMEMBERED_FINISHED) {
      finishedSeen.delete(finishedSeen.values().next().value!);
    }
    finished.inc({ state: job.state, kind: job.kind });
    const run = seconds(job.startedAt, job.finishedAt);
    if (run !== null) runSeconds.observe({ kind: job.kind, state: job.state }, run);
    const speed = job.usage?.tokensPerSecond;
    if (job.state === 'succeeded' && typeof speed === 'number' && speed > 0) tokensPerSecond.set({ model: job.model }, speed);
  }

  const unsubscribe = hub.subscribe((_event, payload) => observe(payload as Job), ['job.updated']);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}
