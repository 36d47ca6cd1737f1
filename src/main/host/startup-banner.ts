import type { BackendState } from '../../shared/backend';

export type BannerBackend = Pick<BackendState, 'url' | 'status'> & { models: ReadonlyArray<{ id: string; loaded: boolean }> };

export interface StartupFacts {
  /** The URL this machine uses (loopback when bound to all interfaces). */
  url: string;
  /** Whether a web UI build is served at `/`. */
  webUi: boolean;
  backend: BannerBackend;
  dataDir: string;
  requireAuth: boolean;
}

/**
 * Printed to stdout in every mode: scripts and tests wait for the first line. `listeningUrl` is
 * the bound address (0.0.0.0 stays 0.0.0.0), as this line has always said it.
 */
export function listeningLines(listeningUrl: string, lanUrls: readonly string[]): string[] {
  return [`LM Queue listening on ${listeningUrl}`, ...lanUrls.map((url) => `Share with your team: ${url}`)];
}

function lmStudioLine(backend: BannerBackend): string {
  // The log line just above says why; this says what to do.
  if (backend.status === 'down') return `not reachable at ${backend.url}; jobs wait until it is (start its server, or pass --backend URL)`;
  if (backend.status === 'unknown') return `checking ${backend.url}`;
  const loaded = backend.models.filter((model) => model.loaded).map((model) => model.id);
  return `up at ${backend.url}; loaded: ${loaded.length > 0 ? loaded.join(', ') : 'none (a job loads its model)'}`;
}

function tokenLines(facts: StartupFacts): string[] {
  // Loopback callers are the local admin unless --require-auth, so the curl needs no token then.
  const auth = facts.requireAuth ? ` -H "authorization: Bearer $LMQ_ADMIN_TOKEN"` : '';
  return [
    `curl -X POST ${facts.url}/api/tokens${auth} -H 'content-type: application/json' -d '{"name":"alice","role":"member"}'`,
    facts.webUi ? 'or use the Team tab of the web UI' : 'the secret is shown once; give it to the teammate',
  ];
}

/** For a person at a terminal, after the listening lines: what to open, check and do next. */
export function startupBanner(facts: StartupFacts): string[] {
  const rows: Array<[string, string[]]> = [
    ['Open', [facts.webUi ? `${facts.url}/` : 'no web UI built (npm run build:web, then restart)']],
    ['LM Studio', [lmStudioLine(facts.backend)]],
    ['Data', [facts.dataDir]],
    ['Tokens', tokenLines(facts)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines: string[] = [];
  for (const [label, values] of rows) {
    values.forEach((value, index) => lines.push(`  ${(index === 0 ? `${label}:` : '').padEnd(width)}${value}`));
  }
  return lines;
}

/** LM Studio's state once the first check has answered, or as it is after `timeoutMs`. */
export function settledBackend(
  engine: { backend(): BackendState; on(event: 'backend.changed', listener: (state: BackendState) => void): () => void },
  timeoutMs: number,
): Promise<BackendState> {
  if (engine.backend().status !== 'unknown') return Promise.resolve(engine.backend());
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve(engine.backend());
    };
    const timer = setTimeout(finish, timeoutMs);
    const unsubscribe = engine.on('backend.changed', (state) => {
      if (state.status !== 'unknown') finish();
    });
  });
}
