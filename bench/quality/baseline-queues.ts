/**
 * The anchors LM Queue is measured against, as small client-side queues in front of the
 * simulator with the same slot count, relying on LM Studio's own JIT loading and auto-evict:
 * - `fifo`: arrival order, no priorities, no model awareness (LM Studio / Ollama: whatever comes
 *   first is served first; a request for a model that is not loaded loads it just in time).
 * - `strict-priority`: interactive > batch > background, FIFO within a lane, no aging, no fair
 *   share, no model awareness (a Celery / BullMQ / LiteLLM priority queue with N workers).
 */
import type { Lane } from '../../src/shared/job';
import { replayArrivals, withTimeout, type JobTrace, type RunTrace } from './run-trace';
import type { WorkloadJob } from './workload';

export type BaselinePolicy = 'fifo' | 'strict-priority';

const LANE_RANK: Record<Lane, number> = { interactive: 2, batch: 1, background: 0 };

/** Picks the index of the next job to send from the waiting list (arrival order). */
export function nextIndex(policy: BaselinePolicy, waiting: readonly WorkloadJob[]): number {
  if (policy === 'fifo' || waiting.length === 0) return 0;
  let best = 0;
  for (let i = 1; i < waiting.length; i++) {
    if (LANE_RANK[waiting[i]!.lane] > LANE_RANK[waiting[best]!.lane]) best = i;
  }
  return best;
}

export interface BaselineOptions {
  simUrl: string;
  slots: number;
  timeScale: number;
  /** Wall-clock bound on the whole run. */
  timeoutMs: number;
}

/** What to send: a chat or an embeddings request for a model. */
export type RequestSpec = Pick<WorkloadJob, 'kind' | 'model' | 'input'>;

export async function sendRequest(simUrl: string, requestId: string, { kind, model, input }: RequestSpec): Promise<boolean> {
  const response = await fetch(`${simUrl}${kind === 'embedding' ? '/v1/embeddings' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ ...input, model, stream: false }),
    signal: AbortSignal.timeout(600_000),
  });
  const body = (await response.json()) as { error?: unknown };
  return response.ok && body.error === undefined;
}

export async function runBaseline(policy: BaselinePolicy, jobs: readonly WorkloadJob[], options: BaselineOptions): Promise<RunTrace> {
  const traces = new Map<string, JobTrace>();
  const waiting: WorkloadJob[] = [];
  let inFlight = 0;
  let finished = 0;
  let resolveAll: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (resolveAll = resolve));

  const pump = (): void => {
    while (inFlight < options.slots && waiting.length > 0) {
      const [job] = waiting.splice(nextIndex(policy, waiting), 1);
      inFlight++;
      const trace = traces.get(job!.id)!;
      sendRequest(options.simUrl, trace.requestId, job!)
        .catch(() => false)
        .then((ok) => {
          trace.succeeded = ok;
          inFlight--;
          if (++finished === jobs.length) resolveAll();
          replay.finished(job!.id);
          pump();
        });
    }
  };

  const replay = replayArrivals(jobs, options.timeScale, (due) => {
    for (const job of due) {
      traces.set(job.id, {
        arrivedAtMs: Date.now(),
        requestId: `${policy}-${job.id}`,
        predictedStartInSeconds: null,
        predictedStartHighInSeconds: null,
        submitEtaSeconds: null,
        startedAtMs: null,
        succeeded: false,
      });
      waiting.push(job);
    }
    pump();
  });
  await withTimeout(Promise.all([replay.done, allDone]), options.timeoutMs, `the ${policy} run`);
  return { policy, t0Ms: replay.t0Ms, jobs: traces };
}
