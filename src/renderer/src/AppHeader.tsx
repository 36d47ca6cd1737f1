/** Title, tabs, LM Studio status, dispatch pause/resume and who is signed in. */
import type { TabId } from './keyboard-shortcuts';
import { TAB_IDS } from './keyboard-shortcuts';
import { formatCount } from './format/durations';
import { isAdmin } from './state/session-store';
import { notify } from './ui/notices';
import { useSlice, useStores } from './ui/stores-context';

const TAB_LABELS: Record<TabId, string> = { queue: 'Queue', submit: 'Submit', lmstudio: 'LM Studio', team: 'Team', history: 'History', schedules: 'Schedules', indexes: 'Indexes' };

export function AppHeader({ tab, onTab }: { tab: TabId; onTab: (tab: TabId) => void }) {
  const { queue, backend, session, bridge } = useStores();
  const counts = useSlice(queue.store, (s) => s.counts);
  const paused = useSlice(queue.store, (s) => s.paused);
  const backendState = useSlice(backend.store, (s) => s.backend);
  const caller = useSlice(session.store, (s) => s.caller);

  const togglePause = (): void => {
    const call = paused ? bridge.invoke('dispatch.resume', {}) : bridge.invoke('dispatch.pause', {});
    call.then(
      (result) => notify(result.paused ? 'Dispatch paused: queued jobs wait until you resume.' : 'Dispatch resumed.'),
      (error: Error) => notify(`Could not change dispatch: ${error.message}`, 'error'),
    );
  };

  const status = backendState?.status ?? 'unknown';
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand__mark" aria-hidden="true" />
        <span className="brand__name">LM Queue</span>
      </div>
      <nav className="tabs" role="tablist" aria-label="Sections">
        {TAB_IDS.map((id, i) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            className={`tabs__item${tab === id ? ' is-active' : ''}`}
            title={`${TAB_LABELS[id]} (${i + 1})`}
            onClick={() => onTab(id)}
          >
            {TAB_LABELS[id]}
            {id === 'queue' && counts ? <span className="tabs__count">{formatCount(counts.queued + counts.running)}</span> : null}
          </button>
        ))}
      </nav>
      <div className="app-header__status">
        <span className={`pill pill--${status}`} title={backendState?.lastError ?? backendState?.url ?? ''}>
          <span className="pill__dot" />
          LM Studio {status === 'up' ? (backendState?.loadedModel ?? 'up') : status === 'down' ? 'down' : '…'}
        </span>
        {isAdmin(caller) ? (
          <button type="button" className={`button button--small${paused ? ' button--primary' : ''}`} onClick={togglePause}>
            {paused ? 'Resume dispatch' : 'Pause dispatch'}
          </button>
        ) : paused ? (
          <span className="pill pill--down">paused</span>
        ) : null}
        {caller ? (
          <span className="who" title={`highest priority ${caller.maxPriority}`}>
            {caller.owner} · {caller.role}
          </span>
        ) : null}
      </div>
    </header>
  );
}
