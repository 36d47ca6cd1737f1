/** Schedules: each with its next runs, last run and counts; create, edit, enable/disable, run now, delete, its history of runs. */
import { Fragment, useEffect, useState } from 'react';
import type { Schedule } from '../../../../shared/schedule';
import { durationInWords } from '../../format/durations';
import { JobId } from '../../ui/JobId';
import { notify } from '../../ui/notices';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { Banner, EmptyState } from '../../ui/widgets';
import { ScheduleForm } from './ScheduleForm';
import { ScheduleHistory } from './ScheduleHistory';

/** Schedules change by time alone (next runs, counts), with no pushed event: read them this often while shown. */
const REFRESH_MS = 5_000;
const SHOWN_NEXT_RUNS = 3;

/** `2026-03-29T03:00:00+02:00` → `2026-03-29 03:00:00 +02:00`: the schedule's own wall time. */
const wallTime = (iso: string): string => iso.replace('T', ' ').replace(/([+-]\d\d:\d\d|Z)$/, ' $1');

function NextRuns({ schedule, now }: { schedule: Schedule; now: number }) {
  if (!schedule.enabled) return <span className="muted">disabled</span>;
  const [first] = schedule.nextRuns;
  if (!first) return <span className="muted">none</span>;
  return (
    <ol className="next-runs" aria-label={`Next runs of ${schedule.name}`}>
      {schedule.nextRuns.slice(0, SHOWN_NEXT_RUNS).map((iso) => (
        <li key={iso} className="mono small" data-next-run={iso}>
          {wallTime(iso)}
        </li>
      ))}
      <li className="muted small">in {durationInWords((Date.parse(first) - now) / 1000)}</li>
    </ol>
  );
}

function ScheduleRow({ schedule, now, historyOpen, onEdit }: { schedule: Schedule; now: number; historyOpen: boolean; onEdit: () => void }) {
  const { schedules } = useStores();
  const { runs } = schedule;
  const runNow = (): void => {
    void schedules.runNow(schedule.name).then((job) => job && notify(`Queued ${job.id} for ${schedule.name}.`));
  };
  return (
    <tr data-schedule-name={schedule.name} data-enabled={String(schedule.enabled)}>
      <td className="mono">{schedule.name}</td>
      <td>
        <code className="cron">{schedule.cron}</code>
        <div className="muted small">{schedule.timezone}</div>
      </td>
      <td className="col--optional">
        {schedule.job.kind} · <span className="mono">{schedule.job.kind === 'batch' ? String(schedule.job.input.input_file_id) : schedule.job.model}</span>
        <div className="muted small">
          {schedule.job.lane}, priority {schedule.job.priority}, overlap {schedule.overlap}, catch-up {schedule.catchUp}
        </div>
      </td>
      <td>
        <NextRuns schedule={schedule} now={now} />
      </td>
      <td className="col--optional">
        {schedule.lastJobId ? <JobId id={schedule.lastJobId} /> : <span className="muted">never</span>}
        {schedule.lastError ? (
          <div className="error-text small" title={schedule.lastError.at}>
            {schedule.lastError.message}
          </div>
        ) : null}
      </td>
      <td className="small" data-field="runs">
        {runs.fired} fired · {runs.skipped} skipped
        {runs.manual > 0 ? ` · ${runs.manual} by hand` : ''}
        {runs.failed > 0 ? ` · ${runs.failed} failed` : ''}
        {runs.missed > 0 ? ` · ${runs.missed} missed` : ''}
      </td>
      <td>
        <div className="schedule-actions">
          <button type="button" className="button button--small" onClick={() => void schedules.setEnabled(schedule.name, !schedule.enabled)}>
            {schedule.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button button--small button--primary" onClick={runNow}>
            Run now
          </button>
          <button type="button" className="button button--small" aria-expanded={historyOpen} onClick={() => void schedules.showHistory(schedule.name)}>
            History
          </button>
          <button type="button" className="button button--small" onClick={onEdit}>
            Edit
          </button>
          <button
            type="button"
            className="button button--small button--danger"
            aria-label={`Delete schedule ${schedule.name}`}
            onClick={() => {
              if (window.confirm(`Delete ${schedule.name}? The jobs it made stay.`)) void schedules.remove(schedule.name);
            }}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

export function SchedulesTab() {
  const { schedules } = useStores();
  const state = useSlice(schedules.store, (s) => s);
  const now = useNow(1_000);
  /** The form shown: a new schedule, or the name of the one being edited. */
  const [form, setForm] = useState<{ edit: string | null } | null>(null);
  const editing = form?.edit ? (state.schedules.find((s) => s.name === form.edit) ?? null) : null;

  useEffect(() => {
    void schedules.load();
    const timer = setInterval(() => void schedules.load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [schedules]);

  return (
    <section className="tab tab--schedules" aria-label="Schedules">
      {state.error ? <Banner tone="error" title="Schedule action failed.">{state.error}</Banner> : null}
      {form && (form.edit === null || editing) ? (
        // Keyed so that switching to another schedule starts from its own fields.
        <ScheduleForm key={form.edit ?? '(new)'} editing={editing} onDone={() => setForm(null)} />
      ) : null}
      {state.loaded && state.schedules.length === 0 ? (
        <EmptyState title="No schedules yet">
          <button type="button" className="button button--primary" onClick={() => setForm({ edit: null })} disabled={form !== null}>
            New schedule
          </button>{' '}
          or <code>POST /api/schedules</code>. Each run queues an ordinary job, in the background lane unless the schedule says otherwise.
        </EmptyState>
      ) : (
        <div className="card">
          <div className="card__head">
            <h2 className="card__title">Schedules</h2>
            <button type="button" className="button button--small button--primary" onClick={() => setForm({ edit: null })} disabled={form !== null}>
              New schedule
            </button>
          </div>
          <div className="schedule-table">
            <table className="table" aria-label="Schedules">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>When</th>
                  <th className="col--optional">Job</th>
                  <th>Next runs</th>
                  <th className="col--optional">Last job</th>
                  <th>Runs</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {state.schedules.map((schedule) => {
                  const open = state.open?.name === schedule.name ? state.open : null;
                  return (
                    <Fragment key={schedule.name}>
                      <ScheduleRow schedule={schedule} now={now} historyOpen={open !== null} onEdit={() => setForm({ edit: schedule.name })} />
                      {open ? (
                        <tr className="schedule-history">
                          <td colSpan={7}>
                            <ScheduleHistory name={schedule.name} jobs={open.jobs} now={now} />
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
