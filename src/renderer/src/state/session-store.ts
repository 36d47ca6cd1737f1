/** Who this UI acts as (`session.whoami`): decides which rows get cancel/priority controls. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import type { Caller } from '../../../shared/tokens';
import { toBridgeError } from '../bridge/bridge-error';

export interface SessionState {
  caller: Caller | null;
  /** Error code and message when whoami failed (e.g. `unauthorized`: the UI asks for a token). */
  error: { code: string; message: string } | null;
}

export interface SessionController {
  readonly store: StoreApi<SessionState>;
  load(): Promise<void>;
}

export function createSessionController(bridge: Pick<Bridge, 'invoke'>): SessionController {
  const store = createStore<SessionState>(() => ({ caller: null, error: null }));
  return {
    store,
    async load() {
      try {
        store.setState({ caller: await bridge.invoke('session.whoami', undefined), error: null });
      } catch (reason) {
        const error = toBridgeError(reason);
        store.setState({ caller: null, error: { code: error.code, message: error.message } });
      }
    },
  };
}

/** Members act on their own jobs only; admins on anyone's (the server enforces the same rule). */
export function canManageJob(caller: Caller | null, job: Pick<Job, 'owner'>): boolean {
  if (!caller) return false;
  return caller.role === 'admin' || caller.owner === job.owner;
}

export function isAdmin(caller: Caller | null): boolean {
  return caller?.role === 'admin';
}
