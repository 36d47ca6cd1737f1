/**
 * Builds the non-streaming OpenAI body from the chunks of a stream, so a job that was streamed
 * internally still has an ordinary `chat.completion` / `text_completion` result to store.
 */

export type StreamKind = 'chat' | 'completion';

export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
}

/** LM Studio's own measurements, when it sends them (`stats` object; seconds). */
export interface LmStudioStats {
  tokensPerSecond: number | null;
  timeToFirstTokenMs: number | null;
}

interface ToolCallState {
  id: string | undefined;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceState {
  index: number;
  role: string;
  content: string;
  sawContent: boolean;
  reasoning: string;
  toolCalls: Map<number, ToolCallState>;
  finishReason: string | null;
}

export interface StreamAssembler {
  /** Takes one parsed chunk; returns how many generated tokens it carried (one per choice delta). */
  add(chunk: unknown): number;
  readonly finished: boolean;
  readonly usage: StreamUsage | null;
  readonly stats: LmStudioStats | null;
  /** The assembled body; `fallbackUsage` fills `usage` when LM Studio sent none. */
  body(fallbackUsage: StreamUsage): Record<string, unknown>;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function readUsage(value: unknown): StreamUsage | null {
  const usage = asObject(value);
  if (!usage) return null;
  const promptTokens = asNumber(usage.prompt_tokens);
  const completionTokens = asNumber(usage.completion_tokens) ?? 0;
  if (promptTokens === null) return null;
  return { promptTokens, completionTokens };
}

export function readStats(value: unknown): LmStudioStats | null {
  const stats = asObject(value);
  if (!stats) return null;
  const ttft = asNumber(stats.time_to_first_token);
  return { tokensPerSecond: asNumber(stats.tokens_per_second), timeToFirstTokenMs: ttft === null ? null : ttft * 1000 };
}

export function createStreamAssembler(kind: StreamKind): StreamAssembler {
  const meta: Json = {};
  const choices = new Map<number, ChoiceState>();
  let usage: StreamUsage | null = null;
  let stats: LmStudioStats | null = null;
  let rawStats: unknown = undefined;

  const choiceAt = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = { index, role: 'assistant', content: '', sawContent: false, reasoning: '', toolCalls: new Map(), finishReason: null };
      choices.set(index, state);
    }
    return state;
  };

  const addToolCallDeltas = (state: ChoiceState, deltas: unknown[]): boolean => {
    let carried = false;
    for (const raw of deltas) {
      const delta = asObject(raw);
      if (!delta) continue;
      const position = asNumber(delta.index) ?? state.toolCalls.size;
      let call = state.toolCalls.get(position);
      if (!call) {
        call = { id: undefined, type: 'function', name: '', arguments: '' };
        state.toolCalls.set(position, call);
      }
      if (typeof delta.id === 'string') call.id = delta.id;
      if (typeof delta.type === 'string') call.type = delta.type;
      const fn = asObject(delta.function);
      if (typeof fn?.name === 'string') call.name += fn.name;
      if (typeof fn?.arguments === 'string') call.arguments += fn.arguments;
      carried = true;
    }
    return carried;
  };

  return {
    add(chunk) {
      const object = asObject(chunk);
      if (!object) return 0;
      for (const key of ['id', 'created', 'model', 'system_fingerprint']) {
        if (meta[key] === undefined && object[key] !== undefined) meta[key] = object[key];
      }
      usage = readUsage(object.usage) ?? usage;
      if (object.stats !== undefined) {
        rawStats = object.stats;
        stats = readStats(object.stats) ?? stats;
      }
      let tokens = 0;
      for (const rawChoice of Array.isArray(object.choices) ? object.choices : []) {
        const choice = asObject(rawChoice);
        if (!choice) continue;
        const state = choiceAt(asNumber(choice.index) ?? 0);
        if (typeof choice.finish_reason === 'string') state.finishReason = choice.finish_reason;
        let carried = false;
        if (kind === 'completion') {
          if (typeof choice.text === 'string' && choice.text !== '') {
            state.content += choice.text;
            carried = true;
          }
        } else {
          const delta = asObject(choice.delta) ?? {};
          if (typeof delta.role === 'string') state.role = delta.role;
          if (typeof delta.content === 'string') {
            state.sawContent = true;
            state.content += delta.content;
            carried ||= delta.content !== '';
          }
          // LM Studio moves reasoning out of content for reasoning models.
          const reasoning = typeof delta.reasoning === 'string' ? delta.reasoning : typeof delta.reasoning_content === 'string' ? delta.reasoning_content : '';
          if (reasoning !== '') {
            state.reasoning += reasoning;
            carried = true;
          }
          if (Array.isArray(delta.tool_calls)) carried = addToolCallDeltas(state, delta.tool_calls) || carried;
        }
        if (carried) tokens++;
      }
      return tokens;
    },
    get finished() {
      return [...choices.values()].some((c) => c.finishReason !== null);
    },
    get usage() {
      return usage;
    },
    get stats() {
      return stats;
    },
    body(fallbackUsage) {
      const used = usage ?? fallbackUsage;
      const ordered = [...choices.values()].sort((a, b) => a.index - b.index);
      const assembled = ordered.map((c) => (kind === 'chat' ? chatChoice(c) : { index: c.index, text: c.content, logprobs: null, finish_reason: c.finishReason }));
      return {
        id: meta.id ?? null,
        object: kind === 'chat' ? 'chat.completion' : 'text_completion',
        created: meta.created ?? Math.floor(Date.now() / 1000),
        model: meta.model ?? null,
        ...(meta.system_fingerprint !== undefined ? { system_fingerprint: meta.system_fingerprint } : {}),
        choices: assembled,
        usage: { prompt_tokens: used.promptTokens, completion_tokens: used.completionTokens, total_tokens: used.promptTokens + used.completionTokens },
        ...(rawStats !== undefined ? { stats: rawStats } : {}),
      };
    },
  };
}

function chatChoice(c: ChoiceState): Json {
  const toolCalls = [...c.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call], position) => ({
      id: call.id ?? `call_${c.index}_${position}`,
      type: call.type,
      function: { name: call.name, arguments: call.arguments },
    }));
  const message: Json = {
    role: c.role,
    // OpenAI sends null content for a pure tool call.
    content: c.sawContent || toolCalls.length === 0 ? c.content : null,
  };
  if (c.reasoning !== '') message.reasoning = c.reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { index: c.index, message, logprobs: null, finish_reason: c.finishReason };
}
