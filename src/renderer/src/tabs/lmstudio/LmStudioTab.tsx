/** LM Studio as the queue sees it: reachability, loaded model, slots, load over the last hour, errors. */
import type { BackendState } from '../../../../shared/backend';
import { durationInWords, formatClockTime } from '../../format/durations';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { EmptyState } from '../../ui/widgets';
import { TimeSeriesChart } from './TimeSeriesChart';

function statusText(backend: BackendState): { label: string; tone: string } {
  if (backend.status === 'up') return { label: 'Reachable', tone: 'ok' };
  if (backend.status === 'down') return { label: 'Not reachable', tone: 'bad' };
  return { label: 'Checking…', tone: 'unknown' };
}

function BackendSummary({ backend, now }: { backend: BackendState; now: number }) {
  const status = statusText(backend);
  const retryIn = backend.retryAt ? (Date.parse(backend.retryAt) - now) / 1000 : null;
  return (
    <div className="stat-grid">
      <div className="stat">
        <div className="stat__label">Status</div>
        <div className={`stat__value status status--${status.tone}`} data-field="backend-status">
          {status.label}
        </div>
        <div className="stat__hint">
          since {formatClockTime(backend.since)}
          {retryIn !== null && retryIn > 0 ? ` · retrying in ${durationInWords(retryIn)}` : ''}
        </div>
      </div>
      <div className="stat">
        <div className="stat__label">Server</div>
        <div className="stat__value mono">{backend.url}</div>
      </div>
      <div className="stat">
        <div className="stat__label">Loaded model</div>
        <div className="stat__value">{backend.loadedModel ?? 'none'}</div>
      </div>
      <div className="stat">
        <div className="stat__label">Slots</div>
        <div className="stat__value">{backend.slots}</div>
        <div className="stat__hint">jobs run at once</div>
      </div>
    </div>
  );
}

export function LmStudioTab() {
  const { backend: controller } = useStores();
  const { backend, samples, errors } = useSlice(controller.store, (s) => s);
  const now = useNow(1000);

  if (!backend) return <EmptyState title="Asking LM Queue about LM Studio…" />;
  const times = samples.map((s) => s.t);
  return (
    <section className="tab tab--lmstudio" aria-label="LM Studio">
      <div className="card">
        <h2 className="card__title">LM Studio</h2>
        <BackendSummary backend={backend} now={now} />
        {backend.status === 'down' ? (
          <p className="hint">
            LM Studio isn't reachable at <code>{backend.url}</code> — start its server (LM Studio → Developer → Start Server). Queued
            jobs wait and start as soon as it answers.
          </p>
        ) : null}
      </div>
      <div className="chart-grid">
        <div className="card">
          <TimeSeriesChart title="Throughput (generated tokens/s, 1-minute average)" times={times} series={[{ label: 'tokens/s', colorVar: '--chart-1', values: samples.map((s) => s.tokensPerSecond) }]} />
        </div>
        <div className="card">
          <TimeSeriesChart
            title="Queue length"
            times={times}
            series={[
              { label: 'queued', colorVar: '--chart-2', values: samples.map((s) => s.queued) },
              { label: 'running', colorVar: '--chart-3', values: samples.map((s) => s.running) },
            ]}
          />
        </div>
      </div>
      <div className="split">
        <div className="card">
          <h3 className="card__subtitle">Models</h3>
          {backend.models.length === 0 ? (
            <p className="muted">No models reported yet.</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Type</th>
                  <th>State</th>
                  <th>Parallel</th>
                </tr>
              </thead>
              <tbody>
                {backend.models.map((m) => (
                  <tr key={m.id}>
                    <td className="mono">{m.id}</td>
                    <td>{m.type ?? '—'}</td>
                    <td>{m.loaded ? <span className="badge badge--running">loaded</span> : <span className="muted">not loaded</span>}</td>
                    <td>{m.parallel ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h3 className="card__subtitle">Recent errors</h3>
          {errors.length === 0 ? (
            <p className="muted">No errors since this window opened.</p>
          ) : (
            <ul className="error-list">
              {errors.map((e, i) => (
                <li key={`${e.at}-${i}`}>
                  <span className="muted small">{formatClockTime(new Date(e.at).toISOString())}</span> <strong>{e.source}</strong>: {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
