/**
 * Unfinished parent jobs (batches) above the queue: one row each with its progress ("312 of
 * 2,000 requests") and ETA; its children stay behind it, read a page at a time when opened.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job } from '../../../../shared/job';
import { priorityLabel } from '../../../../shared/priority';
import { etaInWords, progressPercent } from '../../format/eta-words';
import { jobIdTail } from '../../format/job-id';
import type { QueueRow } from '../../state/queue-rows';
import { canManageJob } from '../../state/session-store';
import { JobId } from '../../ui/JobId';
import { notify } from '../../ui/notices';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { PriorityOptions, ProgressBar, StateBadge } from '../../ui/widgets';

const CHILD_PAGE = 50;
/** Most rows read again when the parent moves on (one jobs.list page). */
const MAX_REREAD = 500;

function ChildList({ parent }: { parent: Job }) {
  const { bridge } = useStores();
  const [children, setChildren] = useState<Job[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  const readMore = useCallback(() => {
    bridge.invoke('jobs.list', { parent: parent.id, limit: CHILD_PAGE, cursor: cursor ?? undefined }).then(
      (page) => {
        setChildren((seen) => [...seen, ...page.jobs]);
        setCursor(page.nextCursor);
      },
      (e: Error) => setError(e.message),
    );
  }, [bridge, parent.id, cursor]);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    readMore();
  }, [readMore]);
  // The parent moved on (its updates come a few times a second): read the rows shown again, from the first.
  const shown = useRef(0);
  shown.current = children.length;
  const progress = JSON.stringify(parent.children);
  useEffect(() => {
    if (!started.current || shown.current === 0) return;
    const limit = Math.min(MAX_REREAD, Math.max(CHILD_PAGE, shown.current));
    let current = true;
    bridge.invoke('jobs.list', { parent: parent.id, limit }).then(
      (page) => {
        if (!current) return;
        setChildren((seen) => [...page.jobs, ...seen.slice(page.jobs.length)]);
        if (shown.current <= limit) setCursor(page.nextCursor);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [bridge, parent.id, progress]);
  if (cursor === undefined && error === null) return <p className="muted small parent-children__note">Reading its requests…</p>;
  return (
    <div className="parent-children" role="table" aria-label={`Requests of job ${parent.id}`}>
      {children.map((child) => (
        <div key={child.id} className="parent-child" role="row" data-job-id={child.id} data-state={child.state}>
          <span role="cell" className="muted small">#{(child.childIndex ?? 0) + 1}</span>
          <span role="cell">
            <StateBadge state={child.state} />
          </span>
          <span role="cell">
            <JobId id={child.id} />
          </span>
          <span role="cell" className="muted small">{child.model}</span>
          <span role="cell" className="small" data-field="eta">
            {child.state === 'queued' && child.position !== null ? `#${child.position}, ` : ''}
            {child.error ? child.error.message : etaInWords(child)}
          </span>
        </div>
      ))}
      {error ? <p className="muted small">Could not read its requests: {error}</p> : null}
      {cursor ? (
        <button type="button" className="button button--small" onClick={readMore}>
          Show more
        </button>
      ) : null}
    </div>
  );
}

function ParentJobRow({ row, now }: { row: QueueRow; now: number }) {
  const { bridge, session } = useStores();
  const caller = useSlice(session.store, (s) => s.caller);
  const [open, setOpen] = useState(false);
  const { job } = row;
  const elapsed = Math.max(0, (now - row.receivedAt) / 1000);
  const canManage = canManageJob(caller, job);
  const maxPriority = caller?.maxPriority ?? 0;
  const onPriority = (priority: number) =>
    bridge.invoke('jobs.reprioritize', { id: job.id, priority }).then(
      () => notify(`Batch ${jobIdTail(job.id)} and its queued requests now have priority ${priorityLabel(priority)}`),
      (error: Error) => notify(`Could not change the priority: ${error.message}`, 'error'),
    );
  const onCancel = () =>
    bridge.invoke('jobs.cancel', { id: job.id }).then(
      () => notify(`Canceling batch ${jobIdTail(job.id)} and its requests`),
      (error: Error) => notify(`Could not cancel: ${error.message}`, 'error'),
    );
  return (
    <div className={`parent-job parent-job--${job.state}`} data-job-id={job.id} data-state={job.state} data-kind={job.kind}>
      <div className="parent-job__line">
        <button
          type="button"
          className="button button--small"
          aria-expanded={open}
          aria-label={`${open ? 'Hide' : 'Show'} the requests of job ${job.id}`}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾' : '▸'}
        </button>
        <StateBadge state={job.state} />
        <span className="parent-job__what">
          <strong>{job.kind}</strong> <JobId id={job.id} />
        </span>
        <span className="muted small">{job.owner}</span>
        {canManage ? (
          <select
            className="select select--compact"
            aria-label={`Priority of job ${job.id}`}
            value={job.priority}
            onChange={(event) => void onPriority(Number(event.target.value))}
          >
            <PriorityOptions highest={Math.max(maxPriority, job.priority)} enabledUpTo={maxPriority} />
          </select>
        ) : (
          <span className="muted small">{priorityLabel(job.priority)}</span>
        )}
        <span className="muted small">{job.lane}</span>
        <span className="parent-job__progress small" data-field="progress">
          {job.progress.message}
          {job.children && job.children.failed > 0 ? `, ${job.children.failed.toLocaleString('en-US')} failed` : ''}
        </span>
        <span className="small" data-field="eta">
          {etaInWords(job, elapsed)}
        </span>
        {canManage ? (
          <button type="button" className="button button--small button--danger" aria-label={`Cancel job ${job.id}`} onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <ProgressBar percent={progressPercent(job)} label={`Progress of job ${job.id}`} />
      {open ? <ChildList parent={job} /> : null}
    </div>
  );
}

export function ParentJobRows({ rows }: { rows: QueueRow[] }) {
  const now = useNow(1000);
  if (rows.length === 0) return null;
  return (
    <section className="parent-jobs" aria-label="Batches">
      {rows.map((row) => (
        <ParentJobRow key={row.job.id} row={row} now={now} />
      ))}
    </section>
  );
}
