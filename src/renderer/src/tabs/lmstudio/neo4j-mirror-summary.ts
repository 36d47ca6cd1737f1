import type { Neo4jMirrorState } from '../../../../shared/mirror';
import { durationInWords, formatCount } from '../../format/durations';

/** The Neo4j mirror in one stat: whether it writes, and what waits for it. */
export function neo4jMirrorSummary(mirror: Neo4jMirrorState): { label: string; tone: 'ok' | 'bad'; hint: string } {
  const waiting =
    mirror.lag.rows === 0
      ? 'all job records mirrored'
      : `${formatCount(mirror.lag.rows)} ${mirror.lag.rows === 1 ? 'change' : 'changes'} waiting, oldest ${durationInWords(mirror.lag.seconds)}`;
  const { backfill } = mirror;
  const hint =
    backfill?.state === 'running'
      ? `${waiting} · backfilling ${backfill.scope === 'all' ? 'the jobs already here' : 'jobs changed while the mirror was off'}: ${Math.floor(backfill.fraction * 100)}% (${formatCount(backfill.jobs)} sent)`
      : waiting;
  if (mirror.connected) return { label: 'Connected', tone: 'ok', hint };
  return { label: 'Not connected', tone: 'bad', hint: mirror.lastError ? `${hint} · ${mirror.lastError}` : hint };
}
