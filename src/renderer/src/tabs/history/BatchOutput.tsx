/** A finished batch in the History tab: its status and links to its output and error files. */
import { useEffect, useState } from 'react';
import type { OpenAiBatch } from '../../../../shared/batch';
import { useStores } from '../../ui/stores-context';

function FileLink({ id, label }: { id: string; label: string }) {
  const { bridge } = useStores();
  const href = bridge.linkTo(`/v1/files/${id}/content`);
  // No server URL to give (a desktop app listening on loopback only): the id, for the API.
  if (!href) return <span>{label}: <code>{id}</code></span>;
  return (
    <a href={href} target="_blank" rel="noreferrer" download={`${id}.jsonl`} data-file-id={id}>
      {label}
    </a>
  );
}

export function BatchOutput({ jobId }: { jobId: string }) {
  const { bridge } = useStores();
  const [batch, setBatch] = useState<OpenAiBatch | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    bridge.invoke('batches.forJob', { id: jobId }).then(
      (found) => current && setBatch(found),
      (reason: Error) => current && setError(reason.message),
    );
    return () => {
      current = false;
    };
  }, [bridge, jobId]);

  if (error) return <p className="error-text">Could not read the batch: {error}</p>;
  if (batch === undefined) return <p className="muted">Reading the batch…</p>;
  if (batch === null) return null;
  const counts = batch.request_counts;
  return (
    <section className="batch-output" aria-label="Batch output" data-batch-id={batch.id} data-batch-status={batch.status}>
      <p>
        Batch <code>{batch.id}</code> · {batch.status} · {counts.completed.toLocaleString('en-US')} answered, {counts.failed.toLocaleString('en-US')} failed of{' '}
        {counts.total.toLocaleString('en-US')}
      </p>
      <ul className="batch-output__files">
        {batch.output_file_id ? (
          <li>
            <FileLink id={batch.output_file_id} label="Output file" />
          </li>
        ) : null}
        {batch.error_file_id ? (
          <li>
            <FileLink id={batch.error_file_id} label="Error file" />
          </li>
        ) : null}
      </ul>
      {batch.errors?.data.length ? (
        <ul className="error-text">
          {batch.errors.data.slice(0, 5).map((e, i) => (
            <li key={i}>{e.message}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
