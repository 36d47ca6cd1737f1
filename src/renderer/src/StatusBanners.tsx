/** What needs the user's attention across tabs: LM Studio down, paused, link lost, no token. */
import { useEffect, useState, type FormEvent } from 'react';
import { useSlice, useStores } from './ui/stores-context';
import { Banner } from './ui/widgets';

function TokenPrompt() {
  const { bridge, session, queue, backend } = useStores();
  const [token, setToken] = useState('');
  const signIn = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    bridge.setToken(token.trim() || null);
    await session.load();
    await Promise.allSettled([queue.refresh(), backend.load()]);
  };
  return (
    <form className="token-prompt" onSubmit={(event) => void signIn(event)}>
      <input className="input" type="password" aria-label="Access token" placeholder="paste your token" value={token} onChange={(e) => setToken(e.target.value)} />
      <button type="submit" className="button button--primary button--small">
        Use token
      </button>
    </form>
  );
}

export function StatusBanners() {
  const { bridge, backend, session, queue } = useStores();
  const backendState = useSlice(backend.store, (s) => s.backend);
  const sessionError = useSlice(session.store, (s) => s.error);
  const paused = useSlice(queue.store, (s) => s.paused);
  const queued = useSlice(queue.store, (s) => s.counts?.queued ?? 0);
  const [connected, setConnected] = useState(true);

  useEffect(() => bridge.onConnectionChange(setConnected), [bridge]);

  return (
    <div className="banners">
      {sessionError?.code === 'unauthorized' ? (
        <Banner tone="warning" title="This LM Queue needs a token." action={<TokenPrompt />}>
          Ask the person running it for one (Team tab), or open the link they shared.
        </Banner>
      ) : null}
      {backendState?.status === 'down' && backendState.tokenRequired ? (
        <Banner tone="error" title="LM Studio requires an API token.">
          {backendState.lastError?.replace(/^LM Studio requires an API token: /, '')}. {queued > 0 ? `${queued} queued job${queued === 1 ? '' : 's'} will wait.` : 'Jobs will queue and wait.'}
        </Banner>
      ) : backendState?.status === 'down' ? (
        <Banner tone="error" title={`LM Studio isn't reachable at ${backendState.url} — start its server.`}>
          In LM Studio: Developer → Start Server. {queued > 0 ? `${queued} queued job${queued === 1 ? '' : 's'} will wait and start` : 'Jobs will queue and start'} as
          soon as it answers.
        </Banner>
      ) : null}
      {backendState?.storage && backendState.storage.status !== 'ok' ? (
        <Banner tone="error" title={backendState.storage.status === 'full' ? 'The disk holding the queue is full.' : backendState.storage.status === 'read_only' ? "The queue's data folder has become read-only." : "Writing the queue's database fails."}>
          {backendState.storage.message}. New jobs are refused until writes succeed again; LM Queue retries by itself every few seconds.
          {backendState.storage.unsavedResults > 0 ? ` ${backendState.storage.unsavedResults} finished job${backendState.storage.unsavedResults === 1 ? "'s result is" : "s' results are"} held in memory until then.` : ''}
        </Banner>
      ) : null}
      {paused ? (
        <Banner tone="info" title="Dispatch is paused.">
          Jobs still queue but none start until an admin resumes dispatch.
        </Banner>
      ) : null}
      {!connected && !sessionError ? (
        <Banner tone="warning" title="Reconnecting to LM Queue…">
          Live updates stopped; the page catches up once the server answers again.
        </Banner>
      ) : null}
    </div>
  );
}
