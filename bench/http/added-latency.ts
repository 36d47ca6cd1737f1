import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LatencySample {
  /** Whole non-streaming completion, ms. */
  completionMs: number;
  /** Streaming: time to the first `data:` line (comments such as `: queued` do not count), ms. */
  firstTokenMs: number;
}

export interface LatencyStats {
  medianMs: number;
  p99Ms: number;
}

export interface AddedLatency {
  direct: LatencyStats;
  proxied: LatencyStats;
  addedMedianMs: number;
  addedP99Ms: number;
  /** A bare pass-through proxy in the same run: what the extra hop alone adds (median, ms). */
  bareProxyAddedMedianMs: number | null;
}

export interface AddedLatencyResult {
  samples: number;
  completion: AddedLatency;
  firstToken: AddedLatency;
}

/** One keep-alive socket per target, as a client library would hold it. */
function keepAliveAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * POSTs JSON and reads the whole response; returns the ms until `mark(text so far)` first held
 * (default: the end). Waiting for the end keeps the next request off a still-busy socket.
 */
function timedPost(agent: http.Agent, url: string, body: string, mark?: (text: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let markedAt: number | null = null;
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (markedAt === null && mark?.(text)) markedAt = performance.now() - started;
      });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
        else resolve(markedAt ?? performance.now() - started);
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

const hasDataLine = (text: string) => /(^|\n)data: /.test(text);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function stats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

type Target = 'direct' | 'proxied' | 'bare';

/**
 * The same requests, one at a time, in turn straight to the simulator, through LM Queue and
 * (if given) through a bare pass-through proxy, so all see the same machine state; the
 * difference of the medians is what each adds.
 */
export async function measureAddedLatency(options: {
  directUrl: string;
  proxyUrl: string;
  bareProxyUrl?: string;
  model: string;
  samples: number;
  warmup: number;
}): Promise<AddedLatencyResult> {
  const completion = JSON.stringify({ model: options.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
  const streaming = JSON.stringify({ model: options.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true });
  const urls: Partial<Record<Target, string>> = { direct: options.directUrl, proxied: options.proxyUrl, bare: options.bareProxyUrl };
  const targets = (Object.keys(urls) as Target[]).filter((t) => urls[t] !== undefined);
  const agents = new Map(targets.map((t) => [t, keepAliveAgent()]));
  const measured = new Map<Target, LatencySample[]>(targets.map((t) => [t, []]));
  try {
    for (let i = 0; i < options.warmup + options.samples; i++) {
      // A different target goes first each round, so none is always the one after another.
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(i + k) % targets.length]!;
        const agent = agents.get(target)!;
        const base = urls[target]!;
        const completionMs = await timedPost(agent, `${base}/v1/chat/completions`, completion);
        const firstTokenMs = await timedPost(agent, `${base}/v1/chat/completions`, streaming, hasDataLine);
        if (i >= options.warmup) measured.get(target)!.push({ completionMs, firstTokenMs });
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  const summarize = (pick: (sample: LatencySample) => number): AddedLatency => {
    const of = (t: Target) => stats(measured.get(t)!.map(pick));
    const direct = of('direct');
    const proxied = of('proxied');
    return {
      direct,
      proxied,
      addedMedianMs: proxied.medianMs - direct.medianMs,
      addedP99Ms: proxied.p99Ms - direct.p99Ms,
      bareProxyAddedMedianMs: measured.has('bare') ? of('bare').medianMs - direct.medianMs : null,
    };
  };
  return {
    samples: options.samples,
    completion: summarize((s) => s.completionMs),
    firstToken: summarize((s) => s.firstTokenMs),
  };
}
