/** Jobs submitted from this window's Submit tab, followed until they finish, with their answers. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import { FINISHED_STATES, type Job, type Lane } from '../../../shared/job';
import { toBridgeError } from '../bridge/bridge-error';
import { resultText } from './history-store';

export interface SubmittedJob {
  job: Job;
  prompt: string;
  receivedAt: number;
  answer: string | null;
  answerError: string | null;
}

export interface SubmitState {
  submitted: SubmittedJob[];
  sending: boolean;
  error: string | null;
}

export interface ChatRequest {
  model: string;
  prompt: string;
  priority: number;
  lane: Lane;
  maxTokens?: number;
}

export interface SubmitController {
  readonly store: StoreApi<SubmitState>;
  submit(request: ChatRequest): Promise<Job | null>;
  onJob(job: Job): void;
}

const KEEP = 20;

export function createSubmitController(bridge: Pick<Bridge, 'invoke'>, now: () => number = Date.now): SubmitController {
  const store = createStore<SubmitState>(() => ({ submitted: [], sending: false, error: null }));

  const patch = (id: string, change: Partial<SubmittedJob>): void => {
    store.setState({
      submitted: store.getState().submitted.map((entry) => (entry.job.id === id ? { ...entry, ...change } : entry)),
    });
  };

  async function fetchAnswer(id: string): Promise<void> {
    try {
      const body = await bridge.invoke('jobs.result', { id });
      patch(id, { answer: resultText(body) ?? JSON.stringify(body, null, 2) });
    } catch (reason) {
      patch(id, { answerError: toBridgeError(reason).message });
    }
  }

  return {
    store,
    async submit({ model, prompt, priority, lane, maxTokens }) {
      store.setState({ sending: true, error: null });
      try {
        const input: Record<string, unknown> = { messages: [{ role: 'user', content: prompt }] };
        if (maxTokens !== undefined) input.max_tokens = maxTokens;
        const job = await bridge.invoke('jobs.submit', { kind: 'chat', model, input, priority, lane });
        const entry: SubmittedJob = { job, prompt, receivedAt: now(), answer: null, answerError: null };
        store.setState({ sending: false, submitted: [entry, ...store.getState().submitted].slice(0, KEEP) });
        if (job.state === 'succeeded') void fetchAnswer(job.id);
        return job;
      } catch (reason) {
        store.setState({ sending: false, error: toBridgeError(reason).message });
        return null;
      }
    },

    onJob(job) {
      const entry = store.getState().submitted.find((e) => e.job.id === job.id);
      if (!entry) return;
      const wasFinished = FINISHED_STATES.includes(entry.job.state);
      patch(job.id, { job, receivedAt: now() });
      if (job.state === 'succeeded' && !wasFinished) void fetchAnswer(job.id);
    },
  };
}
