/**
 * The anchors LM Queue is measured against, as small client-side queues in front of the
 * simulator with the same slot count, relying on LM Studio's own JIT loading and auto-evict:
 * - `fifo`: arrival order per model, at most that model's slots in flight for it, no priorities
 *   (LM Studio / Ollama used directly: each loaded model serves its requests first come, first
 *   served; a request for a model that is not loaded loads it just in time).
 * - `strict-priority`: interactive > batch > background, FIFO within a lane, no aging, no fair
 *   share, no model awareness (a Celery / BullMQ / LiteLLM priority queue with N workers).
 */
import type { Lane } from '../../src/shared/job';
import { replayArrivals, withTimeout, type JobTrace, type RunTrace } from './run-trace';
import type { WorkloadJob } from './workload';

export type BaselinePolicy = 'fifo' | 'strict-priority';

const LANE_RANK: Record<Lane, number> = { interactive: 2, batch: 1, background: 0 };

/**
 * Picks the index of the next job to send from the waiting list (arrival order), or -1 when none
 * may go now. FIFO takes the oldest job whose model has a free slot (`modelHasRoom`); strict
 * priority knows nothing of models.
 */
export function nextIndex(policy: BaselinePolicy, waiting: readonly WorkloadJob[], modelHasRoom: (model: string) => boolean = () => true): number {
  if (policy === 'fifo') return waiting.findIndex((job) => modelHasRoom(job.model));
  if (waiting.length === 0) return -1;
  let best = 0;
  for (let i = 1; i < waiting.length; i++) {
    if (LANE_RANK[waiting[i]!.lane] > LANE_RANK[waiting[best]!.lane]) best = i;
  }
  return best;
}

export interface BaselineOptions {
  simUrl: string;
  /** Requests in flight at most, in all. */
  slots: number;
  /** FIFO only: requests in flight at most per model (its instance's slots). */
  modelSlots: Record<string, number>;
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
  const inFlightByModel = new Map<string, number>();
  const modelHasRoom = (model: string): boolean => (inFlightByModel.get(model) ?? 0) < (options.modelSlots[model] ?? options.slots);
  let finished = 0;
  let resolveAll: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (resolveAll = resolve));

  const pump = (): void => {
    while (inFlight < options.slots) {
      const index = nextIndex(policy, waiting, modelHasRoom);
      if (index < 0) return;
      const [job] = waiting.splice(index, 1);
      inFlight++;
      inFlightByModel.set(job!.model, (inFlightByModel.get(job!.model) ?? 0) + 1);
      const trace = traces.get(job!.id)!;
      sendRequest(options.simUrl, trace.requestId, job!)
        .catch(() => false)
        .then((ok) => {
          trace.succeeded = ok;
          inFlight--;
          inFlightByModel.set(job!.model, inFlightByModel.get(job!.model)! - 1);
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
        predictedStartLowInSeconds: null,
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
