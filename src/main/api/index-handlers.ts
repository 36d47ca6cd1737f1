import type { Engine } from '../core/engine-api';
import type { DomainHandlers } from './domain-handlers';

export function indexHandlers(engine: Engine) {
  return {
    'indexes.create': async (request, caller) => {
      const made = await engine.indexes.create(request, caller);
      await engine.durable();
      return made;
    },
    'indexes.list': () => engine.indexes.list(),
    'indexes.get': ({ name }) => engine.indexes.get(name),
    'indexes.delete': ({ name }, caller) => {
      engine.indexes.remove(name, caller);
      return { deleted: name };
    },
    'indexes.search': async ({ name, query, k }, caller) => ({ results: await engine.indexes.search(name, query, k, caller) }),
  } satisfies DomainHandlers;
}
