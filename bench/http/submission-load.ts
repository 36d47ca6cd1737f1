import autocannon from 'autocannon';

export interface SubmissionLoadOptions {
  /** Server base URL. */
  url: string;
  token: string;
  model: string;
  connections: number;
  durationSeconds: number;
  /** Fire requests from a worker thread so the load generator does not share the server's event loop. */
  workers: number;
}

export interface SubmissionLoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  accepted: number;
  non2xx: number;
  errors: number;
}

/** POST /api/jobs as fast as `connections` clients can (dispatch paused: the queue just grows). */
export async function measureSubmissions(options: SubmissionLoadOptions): Promise<SubmissionLoadResult> {
  const body = JSON.stringify({
    kind: 'chat',
    model: options.model,
    priority: 'normal',
    input: { messages: [{ role: 'user', content: 'Summarize this paragraph in one line, please.' }], max_tokens: 64 },
  });
  const result = await autocannon({
    url: `${options.url}/api/jobs`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
    body,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    accepted: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
