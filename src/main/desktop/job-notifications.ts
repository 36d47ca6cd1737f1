/** A desktop notification when a job submitted from this app's window finishes or fails. */
import type { Job } from '../../shared/job';

export interface JobNotification {
  title: string;
  body: string;
}

export interface FinishNotifier {
  /** Follow a job submitted from the window. */
  track(jobId: string): void;
  onJobUpdated(job: Job): void;
  readonly tracked: number;
}

/** Most jobs followed at once; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

export function notificationFor(job: Job): JobNotification | null {
  const what = `${job.kind} on ${job.model}`;
  switch (job.state) {
    case 'succeeded': {
      const tokens = job.usage ? ` · ${job.usage.completionTokens} tokens` : '';
      return { title: 'Job finished', body: `${what}${tokens} (${job.id})` };
    }
    case 'failed':
      return { title: 'Job failed', body: `${what}: ${job.error?.message ?? 'unknown error'} (${job.id})` };
    default:
      return null;
  }
}

export function createFinishNotifier(show: (notification: JobNotification) => void): FinishNotifier {
  const tracked = new Set<string>();
  return {
    track(jobId) {
      tracked.add(jobId);
      if (tracked.size > MAX_TRACKED) tracked.delete(tracked.values().next().value!);
    },
    onJobUpdated(job) {
      if (!tracked.has(job.id)) return;
      if (job.state === 'queued' || job.state === 'running') return;
      tracked.delete(job.id);
      // Canceled jobs were canceled by someone who knows; no notification.
      const notification = notificationFor(job);
      if (notification) show(notification);
    },
    get tracked() {
      return tracked.size;
    },
  };
}
