import type { ThroughputRecorder } from '../core/stats/throughput-history';
import type { DomainHandlers } from './domain-handlers';

export function statsHandlers(throughput: ThroughputRecorder) {
  return {
    'stats.throughput': (query) => throughput.read(query.since),
  } satisfies DomainHandlers;
}
