/** Every store of the UI, created once at start around the chosen bridge. */
import type { AppBridge } from '../bridge/app-bridge';
import { createBackendController, type BackendController } from './backend-store';
import { createHistoryController, type HistoryController } from './history-store';
import { createIndexController, type IndexController } from './index-store';
import { createQueueController, type QueueController } from './queue-store';
import { createScheduleController, type ScheduleController } from './schedule-store';
import { createSessionController, type SessionController } from './session-store';
import { createSubmitController, type SubmitController } from './submit-store';
import { createThroughputController, type ThroughputController } from './throughput-store';
import { createTokenController, type TokenController } from './token-store';

export interface AppStores {
  bridge: AppBridge;
  queue: QueueController;
  session: SessionController;
  backend: BackendController;
  history: HistoryController;
  submit: SubmitController;
  tokens: TokenController;
  throughput: ThroughputController;
  schedules: ScheduleController;
  indexes: IndexController;
}

export function createAppStores(bridge: AppBridge): AppStores {
  return {
    bridge,
    queue: createQueueController(bridge),
    session: createSessionController(bridge),
    backend: createBackendController(bridge),
    history: createHistoryController(bridge),
    submit: createSubmitController(bridge),
    tokens: createTokenController(bridge),
    throughput: createThroughputController(bridge),
    schedules: createScheduleController(bridge),
    indexes: createIndexController(bridge),
  };
}
