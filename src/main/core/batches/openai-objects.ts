/** Files and batches as OpenAI's API shows them (timestamps in seconds), with LM Queue's own `lmq_*` fields. */
import type { OpenAiBatch, OpenAiFile } from '../../../shared/batch';
import type { ChildCounts } from '../../../shared/job';
import type { BatchRecord } from './batch-store';
import type { FileRecord } from './file-store';

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function fileObject(file: FileRecord): OpenAiFile {
  return { id: file.id, object: 'file', bytes: file.bytes, created_at: seconds(file.createdAt)!, filename: file.filename, purpose: file.purpose, status: 'processed', status_details: null };
}

/**
 * `children`: the live counts of the batch's parent job while its own final counts are not yet
 * written (null: none known).
 */
export function batchObject(batch: BatchRecord, children: ChildCounts | null): OpenAiBatch {
  const counts = batch.requestCounts ?? { total: batch.total, completed: children?.succeeded ?? 0, failed: children?.failed ?? 0 };
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors ? { object: 'list', data: batch.errors } : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: seconds(batch.createdAt)!,
    in_progress_at: seconds(batch.inProgressAt),
    expires_at: seconds(batch.expiresAt),
    finalizing_at: seconds(batch.finalizingAt),
    completed_at: seconds(batch.completedAt),
    failed_at: seconds(batch.failedAt),
    expired_at: seconds(batch.expiredAt),
    cancelling_at: seconds(batch.cancellingAt),
    cancelled_at: seconds(batch.cancelledAt),
    request_counts: counts,
    metadata: batch.metadata,
    lmq_job_id: batch.parentJobId,
    lmq_owner: batch.owner,
  };
}
