/** Renderer entry: choose the bridge, create the stores, wire pushed events, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initBridge } from './bridge/init-bridge';
import { createAppStores } from './state/app-stores';
import { wireServerEvents } from './state/server-events';
import { StoresProvider } from './ui/stores-context';
import './styles/theme.css';
import './styles/app.css';

const stores = createAppStores(initBridge());
wireServerEvents(stores);

// e2e tests and screenshots wait for this: the first queue snapshot is in.
const unwatchReady = stores.queue.store.subscribe((state) => {
  if (!state.ready) return;
  document.body.dataset.ready = 'true';
  unwatchReady();
});

void stores.session.load();
void stores.queue.start();
void stores.backend.load().catch(() => {});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoresProvider value={stores}>
      <App />
    </StoresProvider>
  </StrictMode>,
);
