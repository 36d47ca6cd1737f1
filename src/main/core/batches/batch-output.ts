/**
 * A finished batch's output and error files, as OpenAI writes them: one line per request,
 * `{id, custom_id, response: {status_code, request_id, body}, error}`. The input file and the
 * parent's children are both in request order, so they are read side by side, a page at a
 * time: custom_ids are never held for the whole batch, and neither are results.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { BatchRequestCounts } from '../../../shared/batch';
import type { Job, JobError } from '../../../shared/job';
import { requestLines, type BatchEndpoint } from './batch-input';

/** A parent's children in index order, with the stored result of each that succeeded. */
export type ChildPager = (parentJobId: string, afterIndex: number, limit: number) => Array<{ index: number; job: Job; resultJson: string | null }>;

/** Why requests that never finished did not: the batch was cancelled or its window passed. */
export type UnfinishedReason = 'batch_cancelled' | 'batch_expired';

const PAGE = 1_000;

const UNFINISHED_MESSAGE: Record<UnfinishedReason, string> = {
  batch_cancelled: 'This request was not run: the batch was cancelled.',
  batch_expired: 'This request could not be run before the completion window expired.',
};

/** The HTTP status a request that failed in LM Queue or LM Studio would have had. */
function statusOf(error: JobError): number {
  switch (error.code) {
    case 'bad_request':
    case 'unknown_model':
    case 'context_length':
      return 400;
    case 'unauthorized':
      return 401;
    case 'model_not_found':
      return 404;
    case 'timeout':
      return 504;
    default:
      return 500;
  }
}

function failedLine(customId: string, job: Job): string {
  const error = job.error ?? { code: 'internal', message: 'the request failed' };
  const status = statusOf(error);
  const body = { error: { message: error.message, type: status < 500 ? 'invalid_request_error' : 'server_error', param: null, code: error.code } };
  return JSON.stringify({ id: `batch_req_${job.id}`, custom_id: customId, response: { status_code: status, request_id: job.id, body }, error: null });
}

function unfinishedLine(customId: string, requestId: string, reason: UnfinishedReason): string {
  return JSON.stringify({ id: `batch_req_${requestId}`, custom_id: customId, response: null, error: { code: reason, message: UNFINISHED_MESSAGE[reason] } });
}

/** The body is the stored JSON text, written as it is (not parsed and serialized again). */
function succeededLine(customId: string, job: Job, resultJson: string): string {
  return `{"id":${JSON.stringify(`batch_req_${job.id}`)},"custom_id":${JSON.stringify(customId)},"response":{"status_code":200,"request_id":${JSON.stringify(job.id)},"body":${resultJson}},"error":null}`;
}

class LineWriter {
  private stream: WriteStream | null = null;
  lines = 0;

  constructor(readonly path: string) {}

  async write(line: string): Promise<void> {
    this.stream ??= createWriteStream(this.path);
    this.lines++;
    if (!this.stream.write(line + '\n')) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    const stream = this.stream;
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  }
}

export interface BatchResults {
  /** Temporary paths holding the files, or null when the file would be empty. */
  outputPath: string | null;
  errorPath: string | null;
  counts: BatchRequestCounts;
}

export interface WriteResultsOptions {
  batchId: string;
  inputPath: string;
  endpoint: BatchEndpoint;
  /** null: the batch never got a parent (cancelled while validating): every request is unfinished. */
  parentJobId: string | null;
  childPage: ChildPager;
  reason: UnfinishedReason;
  /** Two fresh temporary paths. */
  outputPath: string;
  errorPath: string;
}

export async function writeBatchResults(options: WriteResultsOptions): Promise<BatchResults> {
  const output = new LineWriter(options.outputPath);
  const errors = new LineWriter(options.errorPath);
  const counts: BatchRequestCounts = { total: 0, completed: 0, failed: 0 };
  let page: ReturnType<ChildPager> = [];
  let next = 0;
  let lastIndex = -1;
  let exhausted = options.parentJobId === null;
  const childAt = (index: number) => {
    while (!exhausted) {
      while (next < page.length && page[next]!.index < index) next++;
      if (next < page.length) return page[next]!.index === index ? page[next]! : null;
      page = options.childPage(options.parentJobId!, lastIndex, PAGE);
      next = 0;
      if (page.length === 0) exhausted = true;
      else lastIndex = page[page.length - 1]!.index;
    }
    return null;
  };
  try {
    for await (const request of requestLines(options.inputPath, options.endpoint)) {
      counts.total++;
      const child = childAt(request.index);
      if (child && child.job.state === 'succeeded') {
        counts.completed++;
        await output.write(succeededLine(request.customId, child.job, child.resultJson ?? 'null'));
      } else if (child && child.job.state === 'failed') {
        counts.failed++;
        await errors.write(failedLine(request.customId, child.job));
      } else {
        counts.failed++;
        await errors.write(unfinishedLine(request.customId, child?.job.id ?? `${options.batchId}_${request.index}`, options.reason));
      }
    }
  } finally {
    await output.close();
    await errors.close();
  }
  return { outputPath: output.lines > 0 ? output.path : null, errorPath: errors.lines > 0 ? errors.path : null, counts };
}
