import type { Engine } from '../core/engine-api';
import type { DomainHandlers } from './domain-handlers';

export function queueHandlers(engine: Engine) {
  return {
    'queue.snapshot': (query) => engine.snapshot(query),
    'backend.state': () => engine.backend(),
    'dispatch.pause': () => {
      engine.setPaused(true);
      return { paused: engine.paused() };
    },
    'dispatch.resume': () => {
      engine.setPaused(false);
      return { paused: engine.paused() };
    },
  } satisfies DomainHandlers;
}
