/** The Schedules tab: the schedules the caller may see, enable/disable, run now, and each one's recent jobs. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import type { CreateScheduleInput, Schedule } from '../../../shared/schedule';
import { toBridgeError } from '../bridge/bridge-error';

export interface ScheduleState {
  schedules: Schedule[];
  loaded: boolean;
  error: string | null;
  /** The schedule whose history is open, and its latest jobs (newest first). */
  open: { name: string; jobs: Job[] } | null;
}

export interface ScheduleController {
  readonly store: StoreApi<ScheduleState>;
  load(): Promise<void>;
  /** Creates a schedule, or changes one (`edit`: its name); resolves with why it was refused, null when saved. */
  save(input: CreateScheduleInput, edit: string | null): Promise<string | null>;
  setEnabled(name: string, enabled: boolean): Promise<void>;
  runNow(name: string): Promise<Job | null>;
  remove(name: string): Promise<void>;
  /** Opens (or closes, with null) a schedule's history of runs. */
  showHistory(name: string | null): Promise<void>;
}

const HISTORY_LENGTH = 20;

export function createScheduleController(bridge: Pick<Bridge, 'invoke'>): ScheduleController {
  const store = createStore<ScheduleState>(() => ({ schedules: [], loaded: false, error: null, open: null }));

  async function attempt<T>(action: () => Promise<T>): Promise<T | null> {
    try {
      const value = await action();
      store.setState({ error: null });
      return value;
    } catch (reason) {
      store.setState({ error: toBridgeError(reason).message });
      return null;
    }
  }

  const readHistory = async (name: string): Promise<void> => {
    const page = await bridge.invoke('jobs.list', { schedule: name, limit: HISTORY_LENGTH });
    // Only if it is still the one open.
    if (store.getState().open?.name === name) store.setState({ open: { name, jobs: page.jobs } });
  };

  const load = async (): Promise<void> => {
    const schedules = await bridge.invoke('schedules.list', {});
    store.setState({ schedules, loaded: true });
    const open = store.getState().open;
    if (open) await readHistory(open.name);
  };

  return {
    store,
    load: () => attempt(load).then(() => undefined),
    save: async (input, edit) => {
      try {
        if (edit === null) await bridge.invoke('schedules.create', input);
        else await bridge.invoke('schedules.update', { ...input, name: edit });
      } catch (reason) {
        return toBridgeError(reason).message;
      }
      await attempt(load);
      return null;
    },
    setEnabled: (name, enabled) =>
      attempt(async () => {
        await bridge.invoke('schedules.update', { name, enabled });
        await load();
      }).then(() => undefined),
    runNow: (name) =>
      attempt(async () => {
        const job = await bridge.invoke('schedules.run', { name });
        await load();
        return job;
      }),
    remove: (name) =>
      attempt(async () => {
        await bridge.invoke('schedules.delete', { name });
        if (store.getState().open?.name === name) store.setState({ open: null });
        await load();
      }).then(() => undefined),
    showHistory: (name) => {
      if (name === null || store.getState().open?.name === name) {
        store.setState({ open: null });
        return Promise.resolve();
      }
      store.setState({ open: { name, jobs: [] } });
      return attempt(() => readHistory(name)).then(() => undefined);
    },
  };
}
