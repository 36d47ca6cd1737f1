/**
 * Create or edit a schedule: its timing (cron with a live preview of the next runs, or what is
 * wrong with it, in the chosen zone), its policies, and the job each run queues.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { LANES, REQUEST_KINDS, type Lane, type RequestKind } from '../../../../shared/job';
import { DEFAULT_PRIORITY } from '../../../../shared/priority';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES, type CreateScheduleInput, type Schedule } from '../../../../shared/schedule';
import { previewSchedule } from '../../../../shared/schedule-preview';
import { selectModels } from '../../state/backend-store';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { Banner, PriorityOptions } from '../../ui/widgets';

const PREVIEW_RUNS = 5;

/** A starting point for each kind's input (the OpenAI, Anthropic or LM Studio request body). */
function exampleInput(kind: RequestKind): Record<string, unknown> {
  const prompt = 'Summarise yesterday’s changes.';
  switch (kind) {
    case 'chat':
    case 'v0-chat':
      return { messages: [{ role: 'user', content: prompt }] };
    case 'messages':
      return { max_tokens: 1024, messages: [{ role: 'user', content: prompt }] };
    case 'completion':
    case 'v0-completion':
      return { prompt };
    case 'embedding':
    case 'v0-embedding':
    case 'responses':
    case 'native-chat':
      return { input: prompt };
  }
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
const wallTime = (iso: string): string => iso.replace('T', ' ').replace(/([+-]\d\d:\d\d|Z)$/, ' $1');

/** The JSON object typed as the job's input, or why it is not one. */
function parseInput(text: string): { input: Record<string, unknown> } | { problem: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'must be a JSON object (the request body)' };
    return { input: value as Record<string, unknown> };
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
}

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function zoneNames(): string[] {
  const withValues = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  return withValues.supportedValuesOf?.('timeZone') ?? [];
}

export function ScheduleForm({ editing, onDone }: { editing: Schedule | null; onDone: () => void }) {
  const { schedules, backend, session } = useStores();
  const models = useSlice(backend.store, selectModels);
  const caller = useSlice(session.store, (s) => s.caller);
  const maxPriority = caller?.maxPriority ?? DEFAULT_PRIORITY;
  const now = useNow(30_000);

  const [name, setName] = useState(editing?.name ?? '');
  const [cron, setCron] = useState(editing?.cron ?? '0 3 * * *');
  const [timezone, setTimezone] = useState(editing?.timezone ?? browserTimeZone());
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [overlap, setOverlap] = useState(editing?.overlap ?? 'skip');
  const [catchUp, setCatchUp] = useState(editing?.catchUp ?? 'none');
  const [kind, setKind] = useState<RequestKind>((editing?.job.kind as RequestKind | undefined) ?? 'chat');
  const [model, setModel] = useState(editing?.job.model ?? '');
  const [inputText, setInputText] = useState(pretty(editing?.job.input ?? exampleInput('chat')));
  const [priority, setPriority] = useState(editing?.job.priority ?? Math.min(DEFAULT_PRIORITY, maxPriority));
  const [lane, setLane] = useState<Lane>(editing?.job.lane ?? 'background');
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);

  useEffect(() => {
    if (model === '' && models.length > 0) setModel(models[0]!.id);
  }, [model, models]);

  const preview = useMemo(() => previewSchedule(cron, timezone, PREVIEW_RUNS, now), [cron, timezone, now]);
  const parsedInput = useMemo(() => parseInput(inputText), [inputText]);
  const zones = useMemo(zoneNames, []);
  const problems = [
    ...(editing === null && name.trim() === '' ? ['Name: required'] : []),
    ...(preview.ok ? [] : [`${preview.field === 'cron' ? 'Cron' : 'Time zone'}: ${preview.message}`]),
    ...(model.trim() === '' ? ['Model: required'] : []),
    ...('problem' in parsedInput ? [`Input: ${parsedInput.problem}`] : []),
  ];

  const changeKind = (next: RequestKind): void => {
    // Replace the example only: a body typed by hand stays.
    if (inputText === pretty(exampleInput(kind))) setInputText(pretty(exampleInput(next)));
    setKind(next);
  };

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (problems.length > 0 || !('input' in parsedInput)) return;
    const request: CreateScheduleInput = {
      name: name.trim(),
      cron: cron.trim(),
      timezone: timezone.trim(),
      enabled,
      overlap,
      catchUp,
      job: { kind, model: model.trim(), input: parsedInput.input, priority, lane },
    };
    setSaving(true);
    const refused = await schedules.save(request, editing?.name ?? null);
    setSaving(false);
    setRefusal(refused);
    if (refused === null) onDone();
  };

  const title = editing ? `Edit ${editing.name}` : 'New schedule';
  return (
    <form className="card form schedule-form" aria-label={title} onSubmit={(event) => void save(event)}>
      <h2 className="card__title">{title}</h2>
      <div className="form__row">
        {editing === null ? (
          <label className="field">
            <span className="field__label">Name</span>
            <input className="input" name="schedule-name" required pattern="[A-Za-z0-9._@\-]+" placeholder="nightly-norms" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
        ) : null}
        <label className="field">
          <span className="field__label">Cron (5 fields, or 6 with seconds first)</span>
          <input className="input mono" name="schedule-cron" aria-invalid={!preview.ok && preview.field === 'cron'} value={cron} onChange={(e) => setCron(e.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Time zone</span>
          <input className="input" name="schedule-timezone" list="schedule-zones" aria-invalid={!preview.ok && preview.field === 'timezone'} value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          <datalist id="schedule-zones">
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span className="field__label">While the last run is unfinished</span>
          <select className="select" name="schedule-overlap" value={overlap} onChange={(e) => setOverlap(e.target.value as (typeof OVERLAP_POLICIES)[number])}>
            {OVERLAP_POLICIES.map((policy) => (
              <option key={policy} value={policy}>
                {policy === 'skip' ? 'skip the run' : 'queue it anyway'}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Runs missed while stopped</span>
          <select className="select" name="schedule-catch-up" value={catchUp} onChange={(e) => setCatchUp(e.target.value as (typeof CATCH_UP_POLICIES)[number])}>
            {CATCH_UP_POLICIES.map((policy) => (
              <option key={policy} value={policy}>
                {policy === 'once' ? 'run once at start' : 'do not run'}
              </option>
            ))}
          </select>
        </label>
        <label className="field field--inline">
          <input type="checkbox" name="schedule-enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span className="field__label">Enabled</span>
        </label>
      </div>
      <div className="schedule-preview" aria-live="polite" data-testid="schedule-preview">
        {preview.ok ? (
          <>
            <span className="muted small">Next runs:</span>
            <ol className="next-runs" aria-label="Next runs preview">
              {preview.runs.map((iso) => (
                <li key={iso} className="mono small" data-next-run={iso}>
                  {wallTime(iso)}
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="error-text small" role="alert" data-field={preview.field}>
            {preview.field === 'cron' ? 'Cron' : 'Time zone'}: {preview.message}
          </p>
        )}
      </div>
      <div className="form__row">
        <label className="field">
          <span className="field__label">Job kind</span>
          <select className="select" name="schedule-kind" value={kind} onChange={(e) => changeKind(e.target.value as RequestKind)}>
            {REQUEST_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Model</span>
          <input className="input" name="schedule-model" list="schedule-models" placeholder="a model id" value={model} onChange={(e) => setModel(e.target.value)} />
          <datalist id="schedule-models">
            {models.map((m) => (
              <option key={m.id} value={m.id} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span className="field__label">Priority</span>
          <select className="select" name="schedule-priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
            <PriorityOptions highest={maxPriority} />
          </select>
        </label>
        <label className="field">
          <span className="field__label">Lane</span>
          <select className="select" name="schedule-lane" value={lane} onChange={(e) => setLane(e.target.value as Lane)}>
            {LANES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        <span className="field__label">Input (the request body, JSON)</span>
        <textarea className="input textarea mono" name="schedule-input" rows={6} aria-invalid={'problem' in parsedInput} value={inputText} onChange={(e) => setInputText(e.target.value)} />
      </label>
      {problems.length > 0 ? (
        <ul className="error-text small form__problems" aria-label="What to fix">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      {refusal ? <Banner tone="error" title="Not saved.">{refusal}</Banner> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving || problems.length > 0}>
          {editing ? 'Save changes' : 'Create schedule'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
