/** History: finished jobs, newest first, with search, a result view and retry. */
import { useEffect, useState } from 'react';
import { elapsedBetween, formatClockTime } from '../../format/durations';
import type { HistoryStateFilter } from '../../state/history-store';
import { JobId } from '../../ui/JobId';
import { useSlice, useStores } from '../../ui/stores-context';
import { Banner, EmptyState, Segmented, StateBadge } from '../../ui/widgets';
import { JobDetail } from './JobDetail';

export const HISTORY_SEARCH_INPUT_ID = 'history-search';

const FILTERS: Array<{ value: HistoryStateFilter; label: string }> = [
  { value: 'finished', label: 'All finished' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
  { value: 'canceled', label: 'Canceled' },
];

export function HistoryTab() {
  const { history } = useStores();
  const state = useSlice(history.store, (s) => s);
  const [search, setSearch] = useState(state.search);

  useEffect(() => {
    void history.reload();
  }, [history]);

  // Search as the user types, once they pause.
  useEffect(() => {
    if (search === history.store.getState().search) return;
    const timer = setTimeout(() => void history.setFilter({ search }), 250);
    return () => clearTimeout(timer);
  }, [search, history]);

  const selected = state.jobs.find((job) => job.id === state.selectedId) ?? null;

  return (
    <section className="tab tab--history" aria-label="History">
      <div className="toolbar">
        <Segmented label="State" options={FILTERS} value={state.stateFilter} onChange={(stateFilter) => void history.setFilter({ stateFilter })} />
        <input
          id={HISTORY_SEARCH_INPUT_ID}
          className="input input--search"
          type="search"
          placeholder="Search id, owner or model  ( / )"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {state.error ? <Banner tone="error" title="Could not read the history.">{state.error}</Banner> : null}
      <div className={`history${selected ? ' history--with-detail' : ''}`}>
        <div className="card history__list">
          {!state.loading && state.jobs.length === 0 ? (
            <EmptyState title={state.search ? 'No finished job matches' : 'No finished jobs yet'}>
              Finished, failed and canceled jobs are kept here (for 7 days by default).
            </EmptyState>
          ) : (
            <table className="table table--hover" aria-label="Finished jobs">
              <thead>
                <tr>
                  <th>State</th>
                  <th>Job</th>
                  <th>Owner</th>
                  <th className="col--optional">Model</th>
                  <th className="col--optional">Queued at</th>
                  <th>Ran</th>
                  <th className="col--optional">Tokens out</th>
                </tr>
              </thead>
              <tbody>
                {state.jobs.map((job) => (
                  <tr
                    key={job.id}
                    data-job-id={job.id}
                    data-state={job.state}
                    className={job.id === state.selectedId ? 'is-selected' : ''}
                    tabIndex={0}
                    onClick={() => void history.select(job.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') void history.select(job.id);
                    }}
                  >
                    <td>
                      <StateBadge state={job.state} />
                    </td>
                    <td>
                      <JobId id={job.id} />
                    </td>
                    <td>{job.owner}</td>
                    <td className="col--optional">{job.model}</td>
                    <td className="col--optional">{formatClockTime(job.createdAt)}</td>
                    <td>{elapsedBetween(job.startedAt, job.finishedAt) ?? '—'}</td>
                    <td className="col--optional">{job.usage?.completionTokens ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {state.hasMore ? (
            <div className="form__actions">
              <button type="button" className="button" disabled={state.loading} onClick={() => void history.loadMore()}>
                {state.loading ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </div>
        {selected ? <JobDetail job={selected} /> : null}
      </div>
    </section>
  );
}
