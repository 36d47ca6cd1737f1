import type { Engine } from '../core/engine-api';
import { QueueSnapshotQuerySchema } from '../../shared/queue';
import { requireAdmin } from './caller';
import { defineHandler, NoArgsSchema, type DomainHandlers } from './handler-definition';

export function queueHandlers(engine: Engine) {
  return {
    'queue.snapshot': defineHandler(QueueSnapshotQuerySchema, (query) => engine.snapshot(query)),
    'backend.state': defineHandler(NoArgsSchema, () => engine.backend()),
    'dispatch.pause': defineHandler(NoArgsSchema, (_args, caller) => {
      requireAdmin(caller, 'pause dispatching');
      engine.setPaused(true);
      return { paused: engine.paused() };
    }),
    'dispatch.resume': defineHandler(NoArgsSchema, (_args, caller) => {
      requireAdmin(caller, 'resume dispatching');
      engine.setPaused(false);
      return { paused: engine.paused() };
    }),
  } satisfies DomainHandlers;
}
