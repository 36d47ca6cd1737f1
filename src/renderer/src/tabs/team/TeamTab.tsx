/** Team: the URL to share, tokens (secret shown once, with a copy button), per-token limits. */
import { useEffect } from 'react';
import { priorityLabel } from '../../../../shared/priority';
import { ageInWords } from '../../format/durations';
import { isAdmin } from '../../state/session-store';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { Banner, CopyButton, EmptyState } from '../../ui/widgets';
import { CreateTokenForm } from './CreateTokenForm';

const isLoopbackUrl = (url: string): boolean => /^https?:\/\/(localhost|127\.|\[::1\])/.test(url);

function ShareBox() {
  const { bridge } = useStores();
  const urls = bridge.shareUrls;
  const lan = urls.filter((url) => !isLoopbackUrl(url));
  return (
    <div className="card">
      <h2 className="card__title">Share this queue</h2>
      {lan.length === 0 ? (
        <p className="hint">
          {urls[0] ? (
            <>
              This page is at <code>{urls[0]}</code>, an address only this machine can use.{' '}
            </>
          ) : null}
          Teammates use this machine's LAN address and the same port, once LM Queue listens on the LAN (start it with{' '}
          <code>--host 0.0.0.0</code> or <code>LMQ_HOST=0.0.0.0</code>), each with a token from below.
        </p>
      ) : (
        <ul className="share-list">
          {lan.map((url) => (
            <li key={url}>
              <code className="share-url">{url}</code> <CopyButton text={url} label="Copy URL" />
              <span className="muted small"> OpenAI base URL: <code>{url}/v1</code></span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CreatedSecret() {
  const { tokens, bridge } = useStores();
  const created = useSlice(tokens.store, (s) => s.created);
  if (!created) return null;
  const base = bridge.shareUrls.find((url) => !isLoopbackUrl(url)) ?? bridge.shareUrls[0];
  const link = base ? `${base}/?token=${encodeURIComponent(created.token)}` : null;
  return (
    <div className="secret" role="region" aria-label="New token secret">
      <div className="secret__title">
        Token for <strong>{created.name}</strong> — copy it now: it is shown only once.
      </div>
      <div className="secret__row">
        <code className="secret__value" data-field="token-secret">
          {created.token}
        </code>
        <CopyButton text={created.token} label="Copy token" />
      </div>
      {link ? (
        <div className="secret__row">
          <span className="muted small">Web UI link:</span>
          <code className="secret__link">{link}</code>
          <CopyButton text={link} label="Copy link" />
        </div>
      ) : null}
      <button type="button" className="button button--small" onClick={() => tokens.dismissSecret()}>
        I've copied it
      </button>
    </div>
  );
}

export function TeamTab() {
  const { tokens, session } = useStores();
  const caller = useSlice(session.store, (s) => s.caller);
  const state = useSlice(tokens.store, (s) => s);
  const now = useNow(10_000);
  const admin = isAdmin(caller);

  useEffect(() => {
    if (admin) void tokens.load();
  }, [admin, tokens]);

  return (
    <section className="tab tab--team" aria-label="Team">
      <ShareBox />
      {!admin ? (
        <EmptyState title="Only admins manage tokens">
          You are <strong>{caller?.owner ?? 'not signed in'}</strong>
          {caller ? ` (${caller.role}, highest priority ${priorityLabel(caller.maxPriority)})` : ''}. Ask an admin for a token or for a
          higher priority.
        </EmptyState>
      ) : (
        <div className="card">
          <h2 className="card__title">Tokens</h2>
          <CreateTokenForm />
          <CreatedSecret />
          {state.error ? <Banner tone="error" title="Token action failed.">{state.error}</Banner> : null}
          {state.loaded && state.tokens.length === 0 ? (
            <p className="muted">No tokens yet. Teammates on other machines need one; requests from this machine do not.</p>
          ) : (
            <table className="table" aria-label="Tokens">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Highest priority</th>
                  <th className="col--optional">Requests / min</th>
                  <th className="col--optional">Queued at most</th>
                  <th className="col--optional">Created</th>
                  <th className="col--optional">Last used</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {state.tokens.map((token) => (
                  <tr key={token.name} data-token-name={token.name}>
                    <td className="mono">{token.name}</td>
                    <td>{token.role}</td>
                    <td>{priorityLabel(token.maxPriority)}</td>
                    <td className="col--optional">{token.requestsPerMinute ?? 'no limit'}</td>
                    <td className="col--optional">{token.maxQueued ?? 'default'}</td>
                    <td className="col--optional">{ageInWords(token.createdAt, now)}</td>
                    <td className="col--optional">{token.lastUsedAt ? ageInWords(token.lastUsedAt, now) : 'never'}</td>
                    <td>
                      <button
                        type="button"
                        className="button button--small button--danger"
                        aria-label={`Revoke token ${token.name}`}
                        onClick={() => {
                          if (window.confirm(`Revoke ${token.name}'s token? Their requests will be refused from now on.`)) void tokens.revoke(token.name);
                        }}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
