import type { Neo4jMirrorState } from '../../../../shared/mirror';
import { durationInWords, formatCount } from '../../format/durations';

/** The Neo4j mirror in one stat: whether it writes, and what waits for it. */
export function neo4jMirrorSummary(mirror: Neo4jMirrorState): { label: string; tone: 'ok' | 'bad'; hint: string } {
  const waiting =
    mirror.lag.rows === 0
      ? 'all job records mirrored'
      : `${formatCount(mirror.lag.rows)} ${mirror.lag.rows === 1 ? 'change' : 'changes'} waiting, oldest ${durationInWords(mirror.lag.seconds)}`;
  if (mirror.connected) return { label: 'Connected', tone: 'ok', hint: waiting };
  return { label: 'Not connected', tone: 'bad', hint: mirror.lastError ? `${waiting} · ${mirror.lastError}` : waiting };
}
