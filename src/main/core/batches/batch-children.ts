/**
 * A batch's requests become its parent's children, a chunk per event-loop turn. Each chunk is
 * sized from how long the last one took, so a loaded machine adds smaller chunks rather than
 * holding the loop longer; a full queue makes the batch wait for room, never fail.
 */
import { LmqError } from '../../../shared/errors';
import type { RequestKind } from '../../../shared/job';
import type { Clock } from '../clock';
import type { Engine, NewChild } from '../engine-api';
import { BATCH_ENDPOINTS, requestLines, type BatchEndpoint, type BatchRequestLine } from './batch-input';

/** How long one addChildren call may hold the event loop. */
const CHUNK_TARGET_MS = 15;
const CHUNK_LIMITS = { min: 50, max: 2_000 } as const;
const FIRST_CHUNK = 500;
/** How long a batch waits before adding more when the queue is full (--max-queued). */
const QUEUE_FULL_RETRY_MS = 5_000;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface AddChildrenOptions {
  parents: Pick<Engine, 'addChildren'>;
  parentJobId: string;
  inputPath: string;
  endpoint: BatchEndpoint;
  /** The first request index not yet a child (a restart resumes there). */
  from: number;
  /** The requests as the file check kept them (a small file); null: read the file again. */
  requests: readonly BatchRequestLine[] | null;
  /** Asked before each chunk: false stops (a cancel, the window's end, shutdown). */
  goesOn: () => boolean;
  clock: Clock;
}

/** true once every request is a child; false when stopped (by `goesOn`, or the parent ended elsewhere). */
export async function addBatchChildren(options: AddChildrenOptions): Promise<boolean> {
  const kind: RequestKind = BATCH_ENDPOINTS[options.endpoint];
  let chunkSize = FIRST_CHUNK;
  let chunk: NewChild[] = [];
  let first = options.from;

  const flush = async (): Promise<boolean> => {
    let take = chunk.length;
    while (chunk.length > 0) {
      const part = chunk.slice(0, take);
      const started = performance.now();
      try {
        options.parents.addChildren(options.parentJobId, first, part);
      } catch (error) {
        // The parent was canceled from elsewhere (the Queue tab): the batch ends as cancelled.
        if (error instanceof LmqError && error.code === 'invalid_state') return false;
        if (!(error instanceof LmqError && error.code === 'queue_full')) throw error;
        // Add what fits, then wait for room.
        if (take > 1) take = Math.ceil(take / 2);
        else await new Promise<void>((resolve) => options.clock.setTimeout(resolve, QUEUE_FULL_RETRY_MS));
        if (!options.goesOn()) return false;
        continue;
      }
      const perChild = Math.max(performance.now() - started, 0.1) / part.length;
      chunkSize = Math.round(Math.min(CHUNK_LIMITS.max, Math.max(CHUNK_LIMITS.min, CHUNK_TARGET_MS / perChild)));
      first += part.length;
      chunk = chunk.slice(part.length);
      take = chunk.length;
      await yieldTurn();
    }
    return true;
  };

  const requests = options.requests ? options.requests.slice(options.from) : requestLines(options.inputPath, options.endpoint, options.from);
  for await (const request of requests) {
    chunk.push({ kind, model: request.model, input: request.body });
    // Checked once a chunk: a cancel or the window's end drops the chunk being gathered.
    if (chunk.length >= chunkSize && (!options.goesOn() || !(await flush()))) return false;
  }
  return options.goesOn() && (await flush());
}
