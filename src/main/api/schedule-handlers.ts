import type { Engine } from '../core/engine-api';
import { LmqError } from '../../shared/errors';
import type { CallerContext } from './caller';
import type { DomainHandlers } from './domain-handlers';

/** Members manage their own schedules; admins anyone's. A schedule's job template is its owner's data. */
function requireScheduleOwner(engine: Engine, name: string, caller: CallerContext, action: string): void {
  const owner = engine.schedules.owner(name);
  if (caller.role !== 'admin' && owner !== caller.owner) {
    throw new LmqError('forbidden', `you may ${action} your own schedules only; ${name} belongs to ${owner}`);
  }
}

export function scheduleHandlers(engine: Engine) {
  return {
    'schedules.create': (request, caller) => engine.schedules.create(request, caller),
    'schedules.list': (_args, caller) => engine.schedules.list().filter((s) => caller.role === 'admin' || s.owner === caller.owner),
    'schedules.get': ({ name }, caller) => {
      requireScheduleOwner(engine, name, caller, 'see');
      return engine.schedules.get(name);
    },
    'schedules.update': (patch, caller) => {
      requireScheduleOwner(engine, patch.name, caller, 'change');
      return engine.schedules.update(patch, caller);
    },
    'schedules.delete': ({ name }, caller) => {
      requireScheduleOwner(engine, name, caller, 'delete');
      engine.schedules.remove(name);
      return { deleted: name };
    },
    'schedules.run': ({ name }, caller) => {
      requireScheduleOwner(engine, name, caller, 'run');
      return engine.schedules.runNow(name);
    },
  } satisfies DomainHandlers;
}
