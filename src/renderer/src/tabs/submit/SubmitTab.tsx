/** Submit a chat job: model, priority, lane, prompt; follow it until the answer is in. */
import { useEffect, useState, type FormEvent } from 'react';
import { LANES, type Lane } from '../../../../shared/job';
import { DEFAULT_PRIORITY, priorityLabel } from '../../../../shared/priority';
import { etaInWords, progressPercent } from '../../format/eta-words';
import { selectModels } from '../../state/backend-store';
import type { SubmittedJob } from '../../state/submit-store';
import { JobId } from '../../ui/JobId';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { Banner, EmptyState, PriorityOptions, ProgressBar, StateBadge } from '../../ui/widgets';

function SubmittedCard({ entry, now }: { entry: SubmittedJob; now: number }) {
  const { job } = entry;
  const elapsed = Math.max(0, (now - entry.receivedAt) / 1000);
  return (
    <article className="card submitted" data-job-id={job.id} data-state={job.state}>
      <header className="submitted__head">
        <StateBadge state={job.state} />
        <JobId id={job.id} />
        <span className="muted">{job.model}</span>
        <span className="muted">priority {priorityLabel(job.priority)}</span>
        <span className="submitted__eta">
          {job.state === 'queued' && job.position !== null ? `#${job.position} · ` : ''}
          {etaInWords(job, elapsed)}
        </span>
      </header>
      <p className="submitted__prompt">{entry.prompt}</p>
      {job.state === 'queued' || job.state === 'running' ? (
        <ProgressBar percent={progressPercent(job)} label={`Progress of job ${job.id}`} indeterminate={job.progress.fraction === null} />
      ) : null}
      {entry.answer !== null ? (
        <div className="answer" aria-label="Answer">
          {entry.answer}
        </div>
      ) : null}
      {entry.answerError ? <p className="error-text">Could not read the answer: {entry.answerError}</p> : null}
      {job.error ? <p className="error-text">{job.error.message}</p> : null}
    </article>
  );
}

export function SubmitTab() {
  const { submit, backend, session } = useStores();
  const models = useSlice(backend.store, selectModels);
  const loadedModel = useSlice(backend.store, (s) => s.backend?.loadedModel ?? null);
  const caller = useSlice(session.store, (s) => s.caller);
  const { submitted, sending, error } = useSlice(submit.store, (s) => s);
  const now = useNow(1000);

  const chatModels = models.filter((m) => m.type !== 'embedding' && !/embed/i.test(m.id));
  const maxPriority = caller?.maxPriority ?? DEFAULT_PRIORITY;
  const [model, setModel] = useState('');
  const [priority, setPriority] = useState(Math.min(DEFAULT_PRIORITY, maxPriority));
  const [lane, setLane] = useState<Lane>('interactive');
  const [prompt, setPrompt] = useState('');
  const [maxTokens, setMaxTokens] = useState('');

  useEffect(() => {
    if (model === '' && chatModels.length > 0) setModel(loadedModel ?? chatModels[0]!.id);
  }, [model, chatModels, loadedModel]);

  const send = async (event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    if (!model || !prompt.trim()) return;
    const tokens = Number.parseInt(maxTokens, 10);
    const job = await submit.submit({ model, prompt: prompt.trim(), priority, lane, ...(tokens > 0 ? { maxTokens: tokens } : {}) });
    if (job) setPrompt('');
  };

  return (
    <section className="tab tab--submit" aria-label="Submit">
      <form className="card form" onSubmit={(event) => void send(event)}>
        <h2 className="card__title">New chat job</h2>
        <div className="form__row">
          <label className="field">
            <span className="field__label">Model</span>
            <select className="select" value={model} onChange={(e) => setModel(e.target.value)} required>
              {chatModels.length === 0 ? <option value="">no models known yet</option> : null}
              {chatModels.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                  {m.loaded ? ' (loaded)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">Priority</span>
            <select className="select" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
              <PriorityOptions highest={maxPriority} />
            </select>
          </label>
          <label className="field">
            <span className="field__label">Lane</span>
            <select className="select" value={lane} onChange={(e) => setLane(e.target.value as Lane)}>
              {LANES.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">Max tokens</span>
            <input className="input" inputMode="numeric" placeholder="model default" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span className="field__label">Prompt</span>
          <textarea
            className="input textarea"
            rows={5}
            placeholder="Ask something… (Ctrl+Enter sends)"
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send();
            }}
          />
        </label>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={sending || !model || !prompt.trim()}>
            {sending ? 'Queuing…' : 'Queue job'}
          </button>
          <span className="muted small">It joins the same queue as everyone else's requests, in priority order.</span>
        </div>
        {error ? <Banner tone="error" title="Not queued.">{error}</Banner> : null}
      </form>
      <div className="submitted-list">
        {submitted.length === 0 ? (
          <EmptyState title="Nothing submitted from here yet">Jobs you queue here appear below with their position, ETA and, once done, the answer.</EmptyState>
        ) : (
          submitted.map((entry) => <SubmittedCard key={entry.job.id} entry={entry} now={now} />)
        )}
      </div>
    </section>
  );
}
