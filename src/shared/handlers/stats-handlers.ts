import { ThroughputHistorySchema, ThroughputQuerySchema } from '../throughput';
import { handlerSpec } from './handler-spec';

export const STATS_HANDLERS = {
  'stats.throughput': handlerSpec({
    args: ThroughputQuerySchema,
    result: ThroughputHistorySchema,
    summary: 'The last hour in 10-s buckets: tokens generated (as they stream), jobs finished, most queued and running',
  }),
};
