/**
 * Create an index: a name, a folder the server resolves inside its index roots, an embedding
 * model, and optional chunking and include globs. What is wrong is said inline, naming the field,
 * whether this form saw it or the server refused it.
 */
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { DEFAULT_CHUNK_TOKENS, DEFAULT_OVERLAP_TOKENS } from '../../../../shared/indexes';
import { embeddingModelIds } from '../../format/index-words';
import { selectModels } from '../../state/backend-store';
import { useSlice, useStores } from '../../ui/stores-context';
import { Banner } from '../../ui/widgets';
import { checkIndexForm, INDEX_FIELD_LABELS, problemText, refusalProblems, type FieldProblem, type IndexFormField, type IndexFormFields } from './index-form-check';

const EMPTY: IndexFormFields = { name: '', path: '', embeddingModel: '', chunkTokens: '', overlapTokens: '', include: '' };

type ControlProps = { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby'?: string };

/** A labelled control; the hint is its description, not part of its name. */
function Field({ field, hint, invalid, children }: { field: IndexFormField; hint?: string; invalid: boolean; children: (props: ControlProps) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {INDEX_FIELD_LABELS[field]}
      </label>
      {children({ id, name: `index-${field}`, 'aria-invalid': invalid, ...(hint ? { 'aria-describedby': `${id}-hint` } : {}) })}
      {hint ? (
        <span className="muted small" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export function IndexForm({ onDone }: { onDone: () => void }) {
  const { indexes, backend } = useStores();
  const models = useSlice(backend.store, selectModels);
  const embeddingModels = useMemo(() => embeddingModelIds(models), [models]);
  const [fields, setFields] = useState<IndexFormFields>(EMPTY);
  /** Fields typed in, and whether creating was tried: problems show for those only. */
  const [touched, setTouched] = useState<ReadonlySet<IndexFormField>>(new Set());
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<FieldProblem[]>([]);

  useEffect(() => {
    if (fields.embeddingModel === '' && embeddingModels.length > 0) setFields((f) => ({ ...f, embeddingModel: embeddingModels[0]! }));
  }, [fields.embeddingModel, embeddingModels]);

  const checked = useMemo(() => checkIndexForm(fields), [fields]);
  const problems = 'problems' in checked ? checked.problems.filter((p) => tried || p.field === null || touched.has(p.field)) : [];
  const invalid = (field: IndexFormField): boolean => problems.some((p) => p.field === field) || refusal.some((p) => p.field === field);

  const set = (field: IndexFormField) => (event: { target: { value: string } }) => {
    setFields({ ...fields, [field]: event.target.value });
    setTouched(new Set(touched).add(field));
  };

  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setTried(true);
    if (!('request' in checked)) return;
    setSaving(true);
    const refused = await indexes.create(checked.request);
    setSaving(false);
    setRefusal(refused === null ? [] : refusalProblems(refused));
    if (refused === null) onDone();
  };

  return (
    <form className="card form index-form" aria-label="New index" onSubmit={(event) => void create(event)}>
      <h2 className="card__title">New index</h2>
      <div className="form__row">
        <Field field="name" invalid={invalid('name')}>
          {(props) => <input className="input" {...props} placeholder="team-docs" value={fields.name} onChange={set('name')} />}
        </Field>
        <Field field="path" invalid={invalid('path')} hint="Inside the server's index roots: absolute, or relative to the first root.">
          {(props) => <input className="input mono" {...props} placeholder="docs/handbook" value={fields.path} onChange={set('path')} />}
        </Field>
        <Field field="embeddingModel" invalid={invalid('embeddingModel')}>
          {(props) =>
            embeddingModels.length > 0 ? (
              <select className="select" {...props} value={fields.embeddingModel} onChange={set('embeddingModel')}>
                {embeddingModels.map((id) => (
                  <option key={id} value={id}>
                    {id}
                  </option>
                ))}
              </select>
            ) : (
              <input className="input" {...props} placeholder="an embedding model id" value={fields.embeddingModel} onChange={set('embeddingModel')} />
            )
          }
        </Field>
      </div>
      <div className="form__row">
        <Field field="chunkTokens" invalid={invalid('chunkTokens')}>
          {(props) => <input className="input" inputMode="numeric" {...props} placeholder={String(DEFAULT_CHUNK_TOKENS)} value={fields.chunkTokens} onChange={set('chunkTokens')} />}
        </Field>
        <Field field="overlapTokens" invalid={invalid('overlapTokens')}>
          {(props) => <input className="input" inputMode="numeric" {...props} placeholder={String(DEFAULT_OVERLAP_TOKENS)} value={fields.overlapTokens} onChange={set('overlapTokens')} />}
        </Field>
        <Field field="include" invalid={invalid('include')} hint="Comma-separated; none: every supported file.">
          {(props) => <input className="input mono" {...props} placeholder="**/*.md, notes/**" value={fields.include} onChange={set('include')} />}
        </Field>
      </div>
      {problems.length > 0 ? (
        <ul className="error-text small form__problems" aria-label="What to fix">
          {problems.map((problem) => (
            <li key={problemText(problem)}>{problemText(problem)}</li>
          ))}
        </ul>
      ) : null}
      {refusal.length > 0 ? (
        <Banner tone="error" title="Not created.">
          {refusal.map(problemText).join('; ')}
        </Banner>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create index'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
