/** Filters (state, owner, model) and the queue's counts. */
import { selectModels } from '../../state/backend-store';
import { useStores, useSlice } from '../../ui/stores-context';
import { formatCount } from '../../format/durations';
import type { QueueStateFilter } from '../../state/queue-rows';
import { Segmented } from '../../ui/widgets';

const STATE_OPTIONS: Array<{ value: QueueStateFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'running', label: 'Running' },
  { value: 'queued', label: 'Queued' },
];

export function QueueToolbar({ filterInputId }: { filterInputId: string }) {
  const { queue, backend } = useStores();
  const filters = useSlice(queue.store, (s) => s.filters);
  const owners = useSlice(queue.store, (s) => s.owners);
  const counts = useSlice(queue.store, (s) => s.counts);
  const truncated = useSlice(queue.store, (s) => s.filtered?.truncated ?? false);
  const models = useSlice(backend.store, selectModels);

  return (
    <div className="toolbar">
      <Segmented label="Show" options={STATE_OPTIONS} value={filters.state} onChange={(state) => queue.setFilters({ state })} />
      <label className="field field--inline">
        <span className="field__label">Owner</span>
        <input
          id={filterInputId}
          className="input"
          list="queue-owners"
          placeholder="any owner  ( / )"
          value={filters.owner}
          onChange={(event) => queue.setFilters({ owner: event.target.value })}
        />
        <datalist id="queue-owners">
          {owners.map((owner) => (
            <option key={owner} value={owner} />
          ))}
        </datalist>
      </label>
      <label className="field field--inline">
        <span className="field__label">Model</span>
        <select className="select" value={filters.model} onChange={(event) => queue.setFilters({ model: event.target.value })}>
          <option value="">any model</option>
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.id}
            </option>
          ))}
        </select>
      </label>
      <div className="toolbar__spacer" />
      {counts ? (
        <div className="toolbar__counts" aria-label="Queue counts">
          <span>
            <strong>{formatCount(counts.running)}</strong> running
          </span>
          <span>
            <strong>{formatCount(counts.queued)}</strong> queued
          </span>
          {truncated ? <span className="muted">filter shows the 1,000 newest matches</span> : null}
        </div>
      ) : null}
    </div>
  );
}
