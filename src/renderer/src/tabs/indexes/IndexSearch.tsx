/** One index's search box: a query and how many results, then the nearest chunks (document, chunk, score, text). */
import { useState, type FormEvent } from 'react';
import type { SearchResult } from '../../../../shared/indexes';
import { scoreText } from '../../format/index-words';
import { useStores } from '../../ui/stores-context';

const DEFAULT_K = 5;
const MAX_K = 100;

function ResultItem({ result }: { result: SearchResult }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="search-result" data-document={result.document} data-chunk={result.chunk}>
      <div className="search-result__head">
        <span className="mono search-result__document">{result.document}</span>
        <span className="muted small">chunk {result.chunk + 1}</span>
        <span className="search-result__score small" title="cosine similarity: higher is nearer" data-field="score">
          {scoreText(result.score)}
        </span>
      </div>
      <p className={`search-result__text small${open ? '' : ' is-clamped'}`}>{result.text}</p>
      <button type="button" className="button button--small button--link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Show less' : 'Show all'}
      </button>
    </li>
  );
}

export function IndexSearch({ name, ready }: { name: string; ready: boolean }) {
  const { indexes } = useStores();
  const [query, setQuery] = useState('');
  const [k, setK] = useState(String(DEFAULT_K));
  const [searching, setSearching] = useState(false);
  const [outcome, setOutcome] = useState<{ query: string; results: SearchResult[] } | { error: string } | null>(null);
  const count = Number(k);
  const kProblem = Number.isInteger(count) && count >= 1 && count <= MAX_K ? null : `Results: a whole number from 1 to ${MAX_K}`;

  const search = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const asked = query.trim();
    if (asked === '' || kProblem) return;
    setSearching(true);
    const answer = await indexes.search(name, asked, count);
    setSearching(false);
    setOutcome('error' in answer ? answer : { query: asked, results: answer.results });
  };

  return (
    <div className="index-search">
      <form className="index-search__form" aria-label={`Search ${name}`} onSubmit={(event) => void search(event)}>
        <label className="field index-search__query">
          <span className="field__label">Query</span>
          <input className="input" type="search" name="index-query" placeholder={ready ? 'words to look for' : 'searchable once indexed'} value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label className="field index-search__k">
          <span className="field__label">Results</span>
          <input className="input" inputMode="numeric" name="index-k" aria-invalid={kProblem !== null} value={k} onChange={(e) => setK(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={searching || query.trim() === '' || kProblem !== null}>
          {searching ? 'Searching…' : 'Search'}
        </button>
      </form>
      {kProblem ? <p className="error-text small">{kProblem}</p> : null}
      {outcome && 'error' in outcome ? (
        <p className="error-text small" role="alert">
          Search failed: {outcome.error}
        </p>
      ) : null}
      {outcome && 'results' in outcome ? (
        outcome.results.length === 0 ? (
          <p className="muted small">Nothing in {name} matches “{outcome.query}”.</p>
        ) : (
          <ol className="search-results" aria-label={`Results from ${name}`}>
            {outcome.results.map((result) => (
              <ResultItem key={`${result.document}#${result.chunk}`} result={result} />
            ))}
          </ol>
        )
      ) : null}
    </div>
  );
}
