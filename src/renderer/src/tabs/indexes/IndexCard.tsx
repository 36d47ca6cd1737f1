/** One index: what it holds, its last job live, the files it skipped, re-index and delete, and its search box. */
import { useState } from 'react';
import type { IndexView } from '../../../../shared/indexes';
import { ageInWords, formatCount } from '../../format/durations';
import { indexSizeInWords } from '../../format/index-words';
import type { IndexJobRow } from '../../state/index-store';
import { notify } from '../../ui/notices';
import { useStores } from '../../ui/stores-context';
import { IndexJobStatus } from './IndexJobStatus';
import { IndexSearch } from './IndexSearch';
import { SkippedFiles } from './SkippedFiles';

function IndexFacts({ index, now }: { index: IndexView; now: number }) {
  return (
    <dl className="facts index-facts">
      <dt>Folder</dt>
      <dd className="mono" data-field="path">
        {index.path}
      </dd>
      <dt>Embedding model</dt>
      <dd className="mono" data-field="model">
        {index.embeddingModel}
        <span className="muted small">
          {' '}
          · {index.chunkTokens} tokens a chunk, {index.overlapTokens} overlap{index.include ? ` · ${index.include.join(', ')}` : ''}
        </span>
      </dd>
      <dt>Documents</dt>
      <dd data-field="documents">{formatCount(index.documents)}</dd>
      <dt>Chunks</dt>
      <dd>
        <span data-field="chunks">{formatCount(index.chunks)}</span>
        {/* Below the count while a job embeds: only those with a vector are searchable yet. */}
        {index.embedded < index.chunks ? (
          <span className="muted small" data-field="embedded">
            {' '}
            · {formatCount(index.embedded)} embedded
          </span>
        ) : null}
      </dd>
      <dt>Size</dt>
      <dd data-field="size">{indexSizeInWords(index.bytes)}</dd>
      <dt>Updated</dt>
      <dd title={index.updatedAt}>{ageInWords(index.updatedAt, now)}</dd>
      <dt>Owner</dt>
      <dd data-field="owner">{index.owner}</dd>
    </dl>
  );
}

export function IndexCard({ index, job, now }: { index: IndexView; job: IndexJobRow | undefined; now: number }) {
  const { indexes } = useStores();
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const unfinished = job !== undefined && (job.job.state === 'queued' || job.job.state === 'running');

  const act = async (action: () => Promise<string | null>, done: string): Promise<void> => {
    setBusy(true);
    const refused = await action();
    setBusy(false);
    setRefusal(refused);
    if (refused === null) notify(done);
  };
  const reindex = () => void act(() => indexes.reindex(index.name), `Indexing ${index.name} again.`);
  const remove = () => {
    if (!window.confirm(`Delete index ${index.name} and its vectors? The documents in ${index.path} stay.`)) return;
    void act(() => indexes.remove(index.name), `Deleted index ${index.name}.`);
  };

  return (
    <article className="card index-card" aria-label={`Index ${index.name}`} data-index-name={index.name}>
      <div className="card__head">
        <h3 className="card__title mono">{index.name}</h3>
        <div className="index-actions">
          <button type="button" className="button button--small" aria-label={`Re-index ${index.name}`} disabled={busy || unfinished} onClick={reindex}>
            Re-index
          </button>
          <button type="button" className="button button--small button--danger" aria-label={`Delete index ${index.name}`} disabled={busy} onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      {refusal ? (
        <p className="error-text small" role="alert">
          {refusal}
        </p>
      ) : null}
      <IndexFacts index={index} now={now} />
      <IndexJobStatus name={index.name} row={job} now={now} />
      <SkippedFiles name={index.name} files={index.skipped} />
      <IndexSearch name={index.name} ready={index.chunks > 0} />
    </article>
  );
}
