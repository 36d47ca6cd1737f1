/** One job in the Queue tab: position, who, what, priority, lane, age, ETA in words, progress. */
import { memo } from 'react';
import type { Job } from '../../../../shared/job';
import { priorityLabel } from '../../../../shared/priority';
import { ageInWords } from '../../format/durations';
import { etaInWords, progressPercent } from '../../format/eta-words';
import type { QueueRow } from '../../state/queue-rows';
import { JobId } from '../../ui/JobId';
import { PriorityOptions, ProgressBar, StateBadge } from '../../ui/widgets';

export interface RowActions {
  /** The caller may cancel/reprioritize this job. */
  canManage: boolean;
  /** Highest priority the caller may set. */
  maxPriority: number;
  onCancel(job: Job): void;
  onReprioritize(job: Job, priority: number): void;
}

interface Props extends RowActions {
  row: QueueRow;
  now: number;
  top: number;
  height: number;
}


function PriorityCell({ job, canManage, maxPriority, onReprioritize }: Pick<Props, 'canManage' | 'maxPriority' | 'onReprioritize'> & { job: Job }) {
  if (!canManage || job.state !== 'queued') return <span className="cell-priority">{priorityLabel(job.priority)}</span>;
  const highest = Math.max(maxPriority, job.priority);
  return (
    <select
      className="select select--compact"
      aria-label={`Priority of job ${job.id}`}
      value={job.priority}
      onChange={(event) => onReprioritize(job, Number(event.target.value))}
    >
      <PriorityOptions highest={highest} enabledUpTo={maxPriority} />
    </select>
  );
}

export const QueueRowView = memo(function QueueRowView({ row, now, top, height, canManage, maxPriority, onCancel, onReprioritize }: Props) {
  const { job } = row;
  const elapsed = Math.max(0, (now - row.receivedAt) / 1000);
  const percent = progressPercent(job);
  const active = job.state === 'queued' || job.state === 'running';
  return (
    <div
      className={`queue-row queue-row--${job.state}`}
      role="row"
      data-job-id={job.id}
      data-state={job.state}
      style={{ transform: `translateY(${top}px)`, height }}
    >
      <div className="cell cell--position" role="cell" data-field="position">
        {job.state === 'queued' && job.position !== null ? (
          <span className="position">#{job.position}</span>
        ) : (
          <StateBadge state={job.state} />
        )}
      </div>
      <div className="cell cell--job" role="cell">
        <JobId id={job.id} />
        <span className="muted">{job.kind}</span>
      </div>
      <div className="cell cell--owner" role="cell" data-field="owner">
        {job.owner}
      </div>
      <div className="cell cell--model" role="cell" title={job.model}>
        {job.model}
      </div>
      <div className="cell cell--priority" role="cell" data-field="priority">
        <PriorityCell job={job} canManage={canManage} maxPriority={maxPriority} onReprioritize={onReprioritize} />
      </div>
      <div className="cell cell--lane" role="cell">
        {job.lane}
      </div>
      <div className="cell cell--age" role="cell">
        {ageInWords(job.createdAt, now)}
      </div>
      <div className="cell cell--eta" role="cell">
        <div className="eta-line">
          <span data-field="eta">{etaInWords(job, elapsed)}</span>
          {job.state === 'running' && job.progress.message ? <span className="muted small">{job.progress.message}</span> : null}
        </div>
        <ProgressBar
          percent={percent}
          label={`Progress of job ${job.id}`}
          indeterminate={job.state === 'running' && job.progress.fraction === null}
        />
      </div>
      <div className="cell cell--actions" role="cell">
        {canManage && active ? (
          <button type="button" className="button button--small button--danger" aria-label={`Cancel job ${job.id}`} onClick={() => onCancel(job)}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
});

export function QueueRowPlaceholder({ top, height }: { top: number; height: number }) {
  return (
    <div className="queue-row queue-row--loading" role="row" aria-busy="true" style={{ transform: `translateY(${top}px)`, height }}>
      <div className="cell" role="cell">
        <span className="skeleton" />
      </div>
    </div>
  );
}
