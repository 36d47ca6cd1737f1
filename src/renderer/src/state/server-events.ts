/** The one place pushed events reach the stores. Returns a function that unsubscribes all. */
import type { AppStores } from './app-stores';

export function wireServerEvents(stores: AppStores): () => void {
  const { bridge, queue, backend, history, submit, indexes } = stores;
  const unsubscribers = [
    bridge.subscribe('job.updated', (job) => {
      queue.applyJob(job);
      submit.onJob(job);
      history.onJob(job);
      backend.onJob(job);
      indexes.onJob(job);
    }),
    bridge.subscribe('queue.changed', (change) => queue.onQueueChanged(change)),
    bridge.subscribe('backend.changed', (state) => backend.setBackend(state)),
    // Events missed while the link was down: read everything again once it is back.
    bridge.onConnectionChange((connected) => {
      if (!connected) return;
      void queue.refresh();
      void backend.load().catch(() => {});
      indexes.onReconnect();
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
