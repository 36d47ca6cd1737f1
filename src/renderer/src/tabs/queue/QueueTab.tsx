/**
 * The Queue tab: every running and queued job in dispatch order, virtualized so a queue of
 * 100k jobs scrolls; the rows on screen are read page by page as the user scrolls.
 */
import { useCallback, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Job } from '../../../../shared/job';
import { priorityLabel } from '../../../../shared/priority';
import { jobIdTail } from '../../format/job-id';
import { firstQueuedIndex, hasSearchFilter, queueRowAt, queueRowCount } from '../../state/queue-rows';
import { canManageJob } from '../../state/session-store';
import { notify } from '../../ui/notices';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { useMediaQuery } from '../../ui/use-media-query';
import { Banner, EmptyState } from '../../ui/widgets';
import { ParentJobRows } from './ParentJobRows';
import { QueueRowPlaceholder, QueueRowView } from './QueueRowView';
import { QueueToolbar } from './QueueToolbar';

const ROW_HEIGHT = 56;
/** Under this width (app.css agrees) a row is two lines, like a card: see `.queue-row` there. */
const COMPACT_QUERY = '(max-width: 600px)';
const COMPACT_ROW_HEIGHT = 92;
export const QUEUE_FILTER_INPUT_ID = 'queue-owner-filter';

/** Header labels, each with its cell's class so narrow layouts hide the same columns. */
const COLUMNS = [
  ['Position', 'position'],
  ['Job', 'job'],
  ['Owner', 'owner'],
  ['Model', 'model'],
  ['Priority', 'priority'],
  ['Lane', 'lane'],
  ['Age', 'age'],
  ['ETA and progress', 'eta'],
  ['', 'actions'],
] as const;

function QueueEmpty() {
  const { bridge } = useStores();
  const url = bridge.shareUrls[0] ?? 'http://<this machine>:1235';
  return (
    <EmptyState title="The queue is empty">
      Submit a job from the <strong>Submit</strong> tab, or point any OpenAI client at <code>{url}/v1</code>. Jobs show up
      here with their position and ETA the moment they are queued.
    </EmptyState>
  );
}

export function QueueTab() {
  const { queue, session, bridge } = useStores();
  const state = useSlice(queue.store, (s) => s);
  const caller = useSlice(session.store, (s) => s.caller);
  const now = useNow(1000);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowHeight = useMediaQuery(COMPACT_QUERY) ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;

  const count = queueRowCount(state);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    getItemKey: (index) => queueRowAt(state, index)?.job.id ?? `slot-${index}`,
  });
  const items = virtualizer.getVirtualItems();
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);

  // Tell the store which queued rows are on screen so it reads those pages.
  const firstItem = items[0]?.index ?? 0;
  const lastItem = items.at(-1)?.index ?? 0;
  const queuedOffset = firstQueuedIndex(state);
  useEffect(() => {
    if (hasSearchFilter(state.filters)) return;
    queue.setVisibleQueuedRange(Math.max(0, firstItem - queuedOffset), Math.max(0, lastItem - queuedOffset));
  }, [queue, firstItem, lastItem, queuedOffset, state.filters]);

  const onCancel = useCallback(
    (job: Job) => {
      bridge.invoke('jobs.cancel', { id: job.id }).then(
        () => notify(`Canceled job ${jobIdTail(job.id)}`),
        (error: Error) => notify(`Could not cancel: ${error.message}`, 'error'),
      );
    },
    [bridge],
  );
  const onReprioritize = useCallback(
    (job: Job, priority: number) => {
      bridge.invoke('jobs.reprioritize', { id: job.id, priority }).then(
        (updated) => {
          queue.applyJob(updated);
          notify(`Job ${jobIdTail(job.id)} now has priority ${priorityLabel(priority)}`);
        },
        (error: Error) => notify(`Could not change the priority: ${error.message}`, 'error'),
      );
    },
    [bridge, queue],
  );

  return (
    <section className="tab tab--queue" aria-label="Queue">
      <QueueToolbar filterInputId={QUEUE_FILTER_INPUT_ID} />
      {state.error ? <Banner tone="error" title="Could not read the queue.">{state.error}</Banner> : null}
      <ParentJobRows rows={state.parents} />
      <div className="queue-table" role="table" aria-label="Jobs in dispatch order" aria-rowcount={count}>
        <div className="queue-row queue-row--header" role="row">
          {COLUMNS.map(([label, cell]) => (
            <div key={cell} className={`cell cell--${cell}`} role="columnheader">
              {label}
            </div>
          ))}
        </div>
        <div className="queue-scroll" ref={scrollRef}>
          {state.ready && count === 0 && state.parents.length === 0 ? (
            hasSearchFilter(state.filters) || state.filters.state !== 'all' ? (
              <EmptyState title="No job matches these filters">Clear the owner or model filter to see the whole queue.</EmptyState>
            ) : (
              <QueueEmpty />
            )
          ) : null}
          <div className="queue-canvas" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = queueRowAt(state, item.index);
              if (!row) return <QueueRowPlaceholder key={item.key} top={item.start} height={item.size} />;
              const canManage = canManageJob(caller, row.job);
              return (
                <QueueRowView
                  key={item.key}
                  row={row}
                  now={now}
                  top={item.start}
                  height={item.size}
                  canManage={canManage}
                  maxPriority={caller?.maxPriority ?? 0}
                  onCancel={onCancel}
                  onReprioritize={onReprioritize}
                />
              );
            })}
          </div>
        </div>
      </div>
    </section>
  );
}
