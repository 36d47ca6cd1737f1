/** The selected finished job: timings, usage, error, the result, and retry. */
import type { Job } from '../../../../shared/job';
import { priorityLabel } from '../../../../shared/priority';
import { elapsedBetween, formatClockTime } from '../../format/durations';
import { jobIdTail } from '../../format/job-id';
import { resultText, type HistoryState } from '../../state/history-store';
import { canManageJob } from '../../state/session-store';
import { notify } from '../../ui/notices';
import { useSlice, useStores } from '../../ui/stores-context';
import { JobId } from '../../ui/JobId';
import { BatchOutput } from './BatchOutput';
import { StateBadge } from '../../ui/widgets';

function ResultView({ result }: { result: HistoryState['result'] }) {
  if (!result) return <p className="muted">Reading the result…</p>;
  if ('error' in result) return <p className="error-text">Could not read the result: {result.error}</p>;
  const text = resultText(result.body);
  return text !== null ? <div className="answer">{text}</div> : <pre className="json">{JSON.stringify(result.body, null, 2)}</pre>;
}

export function JobDetail({ job }: { job: Job }) {
  const { history, session } = useStores();
  const result = useSlice(history.store, (s) => s.result);
  const caller = useSlice(session.store, (s) => s.caller);

  const retry = (): void => {
    history.retry(job.id).then(
      (queued) => notify(`Queued again as ${jobIdTail(queued.id)} at position ${queued.position ?? '—'}`),
      (error: Error) => notify(`Could not retry: ${error.message}`, 'error'),
    );
  };

  return (
    <aside className="card detail" aria-label={`Job ${job.id}`}>
      <header className="detail__head">
        <StateBadge state={job.state} />
        <JobId id={job.id} />
        <button type="button" className="button button--small" onClick={() => void history.select(null)} aria-label="Close details">
          ×
        </button>
      </header>
      <dl className="facts">
        <dt>Owner</dt>
        <dd>{job.owner}</dd>
        <dt>Model</dt>
        <dd>{job.model}</dd>
        <dt>Priority</dt>
        <dd>
          {priorityLabel(job.priority)} · {job.lane}
        </dd>
        <dt>Queued</dt>
        <dd>{formatClockTime(job.createdAt)}</dd>
        <dt>Waited</dt>
        <dd>{elapsedBetween(job.createdAt, job.startedAt) ?? '—'}</dd>
        <dt>Ran</dt>
        <dd>{elapsedBetween(job.startedAt, job.finishedAt) ?? '—'}</dd>
        <dt>Attempts</dt>
        <dd>
          {job.attempts} of {job.maxAttempts}
        </dd>
        {job.children ? (
          <>
            <dt>Requests</dt>
            <dd data-field="children">
              {job.progress.message}: {job.children.succeeded.toLocaleString('en-US')} succeeded · {job.children.failed.toLocaleString('en-US')} failed ·{' '}
              {job.children.canceled.toLocaleString('en-US')} canceled
            </dd>
          </>
        ) : null}
        {job.usage ? (
          <>
            <dt>Tokens</dt>
            <dd>
              {job.usage.promptTokens} in · {job.usage.completionTokens} out
              {job.usage.tokensPerSecond ? ` · ${job.usage.tokensPerSecond.toFixed(1)} tokens/s` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {job.error ? (
        <p className="error-text">
          <strong>{job.error.code}</strong>: {job.error.message}
        </p>
      ) : null}
      {job.kind === 'batch' ? <BatchOutput jobId={job.id} /> : null}
      {job.state === 'succeeded' ? <ResultView result={result?.id === job.id ? result : null} /> : null}
      {canManageJob(caller, job) && job.children === null ? (
        <div className="form__actions">
          <button type="button" className="button" onClick={retry}>
            Retry as a new job
          </button>
        </div>
      ) : null}
    </aside>
  );
}
