import type { Neo4jMirrorState } from '../../../../shared/mirror';
import { neo4jMirrorSummary } from './neo4j-mirror-summary';

/** Shown only where the Neo4j mirror of job records is configured. */
export function Neo4jMirrorStat({ mirror }: { mirror: Neo4jMirrorState | null | undefined }) {
  if (!mirror) return null;
  const summary = neo4jMirrorSummary(mirror);
  return (
    <div className="stat" data-field="neo4j-mirror">
      <div className="stat__label">Neo4j mirror</div>
      <div className={`stat__value status status--${summary.tone}`} title={mirror.uri}>
        {summary.label}
      </div>
      <div className="stat__hint">{summary.hint}</div>
    </div>
  );
}
