/**
 * What the engine learns as it runs, saved so a restart keeps it: the service model's speeds
 * (service_stats, written as they change) and the ETA calibration (settings, written at most every
 * few seconds: it changes with every start).
 */
import type { Clock } from './clock';
import type { EtaCalibration } from './eta/eta-calibration';
import type { ServiceModel } from './eta/service-model';
import type { JobStore } from './store/job-store';
import type { SettingsStore } from './store/settings-store';

const ETA_CALIBRATION_SETTING = 'etaCalibration';
const CALIBRATION_SAVE_INTERVAL_MS = 10_000;

export interface LearnedStateDeps {
  store: JobStore;
  settings: SettingsStore;
  service: ServiceModel;
  calibration: EtaCalibration;
  clock: Clock;
}

export class LearnedState {
  private calibrationSavedAt = -Infinity;

  constructor(private readonly deps: LearnedStateDeps) {}

  restore(): void {
    const { store, settings, service, calibration } = this.deps;
    service.restore(store.loadStats());
    calibration.restore(settings.get(ETA_CALIBRATION_SETTING));
  }

  /** Writes what changed since the last save; `all` (at close) does not wait for the calibration's interval. */
  save(all = false): void {
    const { store, settings, service, calibration, clock } = this.deps;
    const stats = service.takeDirty();
    if (stats.length) store.saveStats(stats);
    if (!all && clock.now() - this.calibrationSavedAt < CALIBRATION_SAVE_INTERVAL_MS) return;
    const learned = calibration.takeChanged();
    if (learned) {
      settings.set(ETA_CALIBRATION_SETTING, learned);
      this.calibrationSavedAt = clock.now();
    }
  }
}
