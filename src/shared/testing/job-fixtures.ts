/** Jobs and counts for tests on either side (renderer and main). */
import type { Job } from '../job';
import type { QueueCounts } from '../queue';

export function makeJob(id: string, extra: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'chat',
    model: 'model-a',
    owner: 'alice',
    priority: 5,
    lane: 'interactive',
    state: 'queued',
    position: null,
    eta: null,
    progress: { fraction: 0, stage: 'queued', message: null },
    attempts: 0,
    maxAttempts: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    runAt: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    usage: null,
    metadata: null,
    parentId: null,
    childIndex: null,
    children: null,
    ...extra,
  };
}

export function makeCounts(queued: number, running: number): QueueCounts {
  return {
    queued,
    running,
    succeeded: 0,
    failed: 0,
    canceled: 0,
    queuedByLane: { interactive: queued, batch: 0, background: 0 },
    queuedByPriority: { '5': queued },
    queuedChildren: 0,
    runningByLane: { interactive: running, batch: 0, background: 0 },
  };
}
