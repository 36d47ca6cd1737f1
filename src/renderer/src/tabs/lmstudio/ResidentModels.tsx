/** The models LM Studio holds and the memory they may use, as the scheduler sees them. */
import type { ReactNode } from 'react';
import type { BackendState, ModelInfo } from '../../../../shared/backend';
import { formatBytes } from '../../format/durations';

export function MemoryStat({ backend }: { backend: BackendState }) {
  const memory = backend.memory;
  return (
    <div className="stat">
      <div className="stat__label">Model memory</div>
      <div className="stat__value" data-field="model-memory">
        {memory ? `${formatBytes(memory.usedBytes)} of ${formatBytes(memory.budgetBytes)}` : '—'}
      </div>
      <div className="stat__hint">{memory?.makingRoomFor ? `making room for ${memory.makingRoomFor}` : 'loaded models side by side'}</div>
    </div>
  );
}

function stateOf(model: ModelInfo, backend: BackendState): ReactNode {
  if (model.loaded) return <span className="badge badge--running">loaded</span>;
  if (backend.memory?.makingRoomFor === model.id) return <span className="badge badge--queued">room being made</span>;
  return <span className="muted">not loaded</span>;
}

export function ModelsTable({ backend }: { backend: BackendState }) {
  if (backend.models.length === 0) return <p className="muted">No models reported yet.</p>;
  const pinned = new Set(backend.memory?.pinned ?? []);
  return (
    <table className="table" data-field="models">
      <thead>
        <tr>
          <th>Model</th>
          <th className="col--optional">Type</th>
          <th>State</th>
          <th>Slots</th>
          <th className="col--optional">Size</th>
        </tr>
      </thead>
      <tbody>
        {backend.models.map((m) => (
          <tr key={m.id} data-model={m.id} data-loaded={m.loaded}>
            <td className="mono">
              {m.id}
              {pinned.has(m.id) ? (
                <span className="badge badge--canceled" title="Never unloaded to make room">
                  pinned
                </span>
              ) : null}
            </td>
            <td className="col--optional">{m.type ?? '—'}</td>
            <td>{stateOf(m, backend)}</td>
            <td>{m.parallel ?? '—'}</td>
            <td className="col--optional">{m.sizeBytes === null ? '—' : formatBytes(m.sizeBytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
