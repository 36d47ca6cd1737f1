/** An index's last job, live: its state, a progress bar with the stage and message, the ETA, its place while it waits. */
import { elapsedBetween } from '../../format/durations';
import { progressPercent } from '../../format/eta-words';
import { indexEtaInWords, stageInWords } from '../../format/index-words';
import type { IndexJobRow } from '../../state/index-store';
import { JobId } from '../../ui/JobId';
import { ProgressBar, StateBadge } from '../../ui/widgets';

export function IndexJobStatus({ name, row, now }: { name: string; row: IndexJobRow | undefined; now: number }) {
  if (!row) return <p className="muted small">Not indexed yet.</p>;
  const { job } = row;
  const unfinished = job.state === 'queued' || job.state === 'running';
  const eta = indexEtaInWords(job, Math.max(0, (now - row.receivedAt) / 1000));
  const took = elapsedBetween(job.startedAt, job.finishedAt);
  return (
    <div className="index-job" data-job-id={job.id} data-state={job.state} data-stage={job.progress.stage} aria-label={`Last index job of ${name}`} role="group">
      <div className="index-job__line">
        <StateBadge state={job.state} />
        <JobId id={job.id} />
        {unfinished ? (
          <>
            <strong className="index-job__stage" data-field="stage">
              {stageInWords(job.progress.stage)}
            </strong>
            {job.state === 'queued' && job.position !== null ? (
              <span className="small" data-field="position">
                #{job.position} in line
              </span>
            ) : null}
            {eta ? (
              <span className="small" data-field="eta">
                {eta}
              </span>
            ) : null}
          </>
        ) : job.state === 'succeeded' && took ? (
          <span className="muted small">took {took}</span>
        ) : null}
      </div>
      {unfinished ? <ProgressBar percent={progressPercent(job)} label={`Progress of index ${name}`} indeterminate={job.progress.fraction === null} /> : null}
      {unfinished && job.progress.message ? (
        <p className="muted small index-job__message" data-field="message">
          {job.progress.message}
        </p>
      ) : null}
      {job.error ? <p className="error-text small">{job.error.message}</p> : null}
    </div>
  );
}
