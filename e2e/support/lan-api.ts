/** A teammate's view of the server: the job API over HTTP, as any script on the LAN would use it. */
import type { Job } from '../../src/shared/job';
import type { CreatedToken } from '../../src/shared/tokens';

export interface ChatJobOptions {
  model?: string;
  priority?: number | string;
  maxTokens?: number;
  token?: string;
}

export class LanApi {
  /** `defaultToken` is sent when a call names none (servers started with --require-auth). */
  constructor(
    readonly baseUrl: string,
    readonly defaultToken?: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, token = this.defaultToken): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  private async ok<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const answer = await this.request<T>(method, path, body, token);
    if (answer.status >= 400) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async submitChat(prompt: string, options: ChatJobOptions = {}): Promise<Job> {
    const body = {
      kind: 'chat',
      model: options.model ?? 'sim-model-a',
      input: { messages: [{ role: 'user', content: prompt }], ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}) },
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    };
    return (await this.ok<{ job: Job }>('POST', '/api/jobs', body, options.token)).job;
  }

  async job(id: string): Promise<Job> {
    return (await this.ok<{ job: Job }>('GET', `/api/jobs/${id}`)).job;
  }

  pause(): Promise<{ paused: boolean }> {
    return this.ok('POST', '/api/dispatch/pause');
  }

  resume(): Promise<{ paused: boolean }> {
    return this.ok('POST', '/api/dispatch/resume');
  }

  createToken(name: string, maxPriority = 5): Promise<CreatedToken> {
    return this.ok('POST', '/api/tokens', { name, role: 'member', maxPriority });
  }
}
