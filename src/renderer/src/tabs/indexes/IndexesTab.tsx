/** Indexes: folders of documents made searchable; each with its last job live, its skipped files and a search box; create one. */
import { useEffect, useState } from 'react';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { Banner, EmptyState } from '../../ui/widgets';
import { IndexCard } from './IndexCard';
import { IndexForm } from './IndexForm';
import '../../styles/indexes.css';

export function IndexesTab() {
  const { indexes } = useStores();
  const state = useSlice(indexes.store, (s) => s);
  const now = useNow(1_000);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    void indexes.load();
  }, [indexes]);

  if (state.disabled !== null) {
    return (
      <section className="tab tab--indexes" aria-label="Indexes">
        <Banner tone="info" title="Indexing is off.">
          {state.disabled}
        </Banner>
      </section>
    );
  }

  const newButton = (
    <button type="button" className="button button--small button--primary" onClick={() => setCreating(true)} disabled={creating}>
      New index
    </button>
  );
  return (
    <section className="tab tab--indexes" aria-label="Indexes">
      {state.error ? <Banner tone="error" title="Could not read the indexes.">{state.error}</Banner> : null}
      {creating ? <IndexForm onDone={() => setCreating(false)} /> : null}
      {state.loaded && state.indexes.length === 0 ? (
        <EmptyState title="No indexes yet">
          {newButton} or <code>POST /api/indexes</code>. An index reads a folder inside the server's index roots, embeds its documents as background
          work in the queue, and answers searches with the nearest passages.
        </EmptyState>
      ) : (
        <div className="index-list">
          <div className="card__head">
            <h2 className="card__title">Indexes</h2>
            {newButton}
          </div>
          {state.indexes.map((index) => (
            <IndexCard key={index.name} index={index} job={index.lastJobId ? state.jobs[index.lastJobId] : undefined} now={now} />
          ))}
        </div>
      )}
    </section>
  );
}
