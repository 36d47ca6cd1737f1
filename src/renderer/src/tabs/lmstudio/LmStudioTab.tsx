/** LM Studio as the queue sees it: reachability, the loaded models and their memory, slots, load over the last hour, errors. */
import { useEffect } from 'react';
import type { BackendState } from '../../../../shared/backend';
import type { ThroughputHistory } from '../../../../shared/throughput';
import { durationInWords, formatClockTime, formatCount } from '../../format/durations';
import { chartColumns, hasActivity, recentTokensPerSecond } from '../../state/throughput-store';
import { useNow, useSlice, useStores } from '../../ui/stores-context';
import { EmptyState } from '../../ui/widgets';
import { Neo4jMirrorStat } from './Neo4jMirrorStat';
import { MemoryStat, ModelsTable } from './ResidentModels';
import { TimeSeriesChart } from './TimeSeriesChart';

/** How often an open tab appends the server's newest buckets. */
const REFRESH_EVERY_MS = 5_000;
const HOUR_MS = 3_600_000;

function statusText(backend: BackendState): { label: string; tone: string } {
  if (backend.status === 'up') return { label: 'Reachable', tone: 'ok' };
  if (backend.status === 'down') return { label: 'Not reachable', tone: 'bad' };
  return { label: 'Checking…', tone: 'unknown' };
}

function BackendSummary({ backend, now, history }: { backend: BackendState; now: number; history: ThroughputHistory | null }) {
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
        <div className="stat__label">Loaded models</div>
        <div className="stat__value">{backend.resident.length === 0 ? 'none' : [...new Set(backend.resident.map((i) => i.model))].join(', ')}</div>
      </div>
      <MemoryStat backend={backend} />
      <div className="stat">
        <div className="stat__label">Slots</div>
        <div className="stat__value">{backend.slots}</div>
        <div className="stat__hint">jobs run at once</div>
      </div>
      <ThroughputStat history={history} />
      <Neo4jMirrorStat mirror={backend.neo4j} />
    </div>
  );
}

function ThroughputStat({ history }: { history: ThroughputHistory | null }) {
  return (
    <div className="stat">
      <div className="stat__label">Throughput</div>
      <div className="stat__value" data-field="throughput">
        {history ? `${formatCount(Math.round(recentTokensPerSecond(history.buckets)))} tokens/s` : '…'}
      </div>
      <div className="stat__hint">generated, last 30 s</div>
    </div>
  );
}

/** "the last hour", or since when the server has been recording when that is shorter. */
function windowLabel(history: ThroughputHistory, now: number): string {
  return now - history.from >= HOUR_MS - history.bucketMs ? 'the last hour' : `since ${formatClockTime(new Date(history.from).toISOString())}`;
}

function LoadCharts({ history, error, now }: { history: ThroughputHistory | null; error: string | null; now: number }) {
  if (!history) {
    return <div className="card">{error ? <p className="error-text">Could not read the load history: {error}</p> : <EmptyState title="Reading the last hour…" />}</div>;
  }
  const label = windowLabel(history, now);
  if (!hasActivity(history)) {
    return (
      <div className="card" data-field="load-empty">
        <EmptyState title="No data yet">
          Nothing has been queued or generated {label}. Throughput and queue length show here, in 10-second steps, as soon as
          jobs arrive.
        </EmptyState>
      </div>
    );
  }
  const columns = chartColumns(history);
  const range: [number, number] = [history.from / 1000, now / 1000];
  return (
    <div className="chart-grid">
      <div className="card">
        <TimeSeriesChart
          title={`Throughput, ${label} (generated tokens/s per 10 s)`}
          times={columns.times}
          range={range}
          series={[{ label: 'tokens/s', colorVar: '--chart-1', values: columns.tokensPerSecond }]}
        />
      </div>
      <div className="card">
        <TimeSeriesChart
          title={`Queue length, ${label} (most at once per 10 s)`}
          times={columns.times}
          range={range}
          series={[
            { label: 'queued', colorVar: '--chart-2', values: columns.queued },
            { label: 'running', colorVar: '--chart-3', values: columns.running },
          ]}
        />
      </div>
    </div>
  );
}

export function LmStudioTab() {
  const { backend: controller, throughput } = useStores();
  const { backend, errors } = useSlice(controller.store, (s) => s);
  const { history, error } = useSlice(throughput.store, (s) => s);
  const now = useNow(1000);

  // The server keeps the record; the tab reads it on opening and appends while open.
  useEffect(() => {
    void throughput.load();
    const timer = setInterval(() => void throughput.refresh(), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [throughput]);

  if (!backend) return <EmptyState title="Asking LM Queue about LM Studio…" />;
  return (
    <section className="tab tab--lmstudio" aria-label="LM Studio">
      <div className="card">
        <h2 className="card__title">LM Studio</h2>
        <BackendSummary backend={backend} now={now} history={history} />
        {backend.status === 'down' && backend.tokenRequired ? (
          <p className="hint">{backend.lastError}. Queued jobs wait until LM Studio accepts LM Queue.</p>
        ) : backend.status === 'down' ? (
          <p className="hint">
            LM Studio isn't reachable at <code>{backend.url}</code> — start its server (LM Studio → Developer → Start Server). Queued
            jobs wait and start as soon as it answers.
          </p>
        ) : null}
      </div>
      <LoadCharts history={history} error={error} now={now} />
      <div className="split">
        <div className="card">
          <h3 className="card__subtitle">Models</h3>
          <ModelsTable backend={backend} />
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
