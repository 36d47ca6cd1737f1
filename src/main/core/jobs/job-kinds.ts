/**
 * One definition per job kind: how its input (OpenAI, Anthropic or LM Studio's own) is checked, sized for the ETA model, and
 * turned into the request LM Studio receives. Add a kind here (and to JOB_KINDS) to extend.
 */
import type { RequestKind } from '../../../shared/job';
import { LmqError } from '../../../shared/errors';

export interface JobKindDefinition {
  /** Throws LmqError('bad_request') naming the offending field. */
  validate(input: Record<string, unknown>): void;
  /** Rough prompt size in tokens (about four characters a token). */
  promptTokens(input: Record<string, unknown>): number;
  /** The output cap the caller asked for, if any. */
  maxTokens(input: Record<string, unknown>): number | null;
}

/** Fields that are ours, never LM Studio's. */
const OWN_FIELDS = ['priority', 'lane'] as const;

function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textLength(v), 0);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.text === 'string') return record.text.length;
    if ('content' in record) return textLength(record.content);
    return JSON.stringify(record).length;
  }
  return 0;
}

function tokensFromChars(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function requestedMaxTokens(input: Record<string, unknown>): number | null {
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new LmqError('bad_request', `input.${field} must be a positive integer`);
    }
    return value;
  }
  return null;
}

const chat: JobKindDefinition = {
  validate(input) {
    const messages = input.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new LmqError('bad_request', 'input.messages must be a non-empty array of chat messages');
    }
    messages.forEach((m, i) => {
      if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
        throw new LmqError('bad_request', `input.messages[${i}].role must be a string`);
      }
    });
    requestedMaxTokens(input);
  },
  promptTokens: (input) => tokensFromChars(textLength(input.messages)),
  maxTokens: requestedMaxTokens,
};

const completion: JobKindDefinition = {
  validate(input) {
    const prompt = input.prompt;
    if (typeof prompt !== 'string' && !(Array.isArray(prompt) && prompt.length > 0)) {
      throw new LmqError('bad_request', 'input.prompt must be a string or a non-empty array');
    }
    requestedMaxTokens(input);
  },
  promptTokens: (input) => tokensFromChars(textLength(input.prompt)),
  maxTokens: requestedMaxTokens,
};

const embedding: JobKindDefinition = {
  validate(input) {
    const value = input.input;
    if (typeof value !== 'string' && !(Array.isArray(value) && value.length > 0)) {
      throw new LmqError('bad_request', 'input.input must be a string or a non-empty array');
    }
  },
  promptTokens: (input) => tokensFromChars(textLength(input.input)),
  maxTokens: () => null,
};

/** A positive integer cap in `field`, if given. */
function capIn(field: string): (input: Record<string, unknown>) => number | null {
  return (input) => {
    const value = input[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new LmqError('bad_request', `input.${field} must be a positive integer`);
    }
    return value;
  };
}

/** Responses and native chat take `input` as a string or a list of items (messages, tool results). */
function requireInput(input: Record<string, unknown>): void {
  const value = input.input;
  if (typeof value !== 'string' && !(Array.isArray(value) && value.length > 0)) {
    throw new LmqError('bad_request', 'input.input must be a string or a non-empty array');
  }
}

const responsesCap = capIn('max_output_tokens');
const responses: JobKindDefinition = {
  validate(input) {
    requireInput(input);
    responsesCap(input);
  },
  promptTokens: (input) => tokensFromChars(textLength(input.instructions) + textLength(input.input)),
  maxTokens: responsesCap,
};

const messagesCap = capIn('max_tokens');
const messages: JobKindDefinition = {
  validate(input) {
    chat.validate({ messages: input.messages });
    messagesCap(input);
  },
  promptTokens: (input) => tokensFromChars(textLength(input.system) + textLength(input.messages)),
  maxTokens: messagesCap,
};

const nativeChat: JobKindDefinition = {
  validate(input) {
    requireInput(input);
    responsesCap(input);
  },
  promptTokens: (input) => tokensFromChars(textLength(input.system_prompt) + textLength(input.input)),
  maxTokens: responsesCap,
};

export const JOB_KIND_DEFINITIONS: Record<RequestKind, JobKindDefinition> = {
  chat,
  completion,
  embedding,
  responses,
  messages,
  'native-chat': nativeChat,
  // REST v0 takes the same bodies as the OpenAI endpoints.
  'v0-chat': chat,
  'v0-completion': completion,
  'v0-embedding': embedding,
};

/** The body LM Studio receives: the caller's request, our fields removed, the job's model. */
export function backendBody(input: Record<string, unknown>, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...input, model };
  for (const field of OWN_FIELDS) delete body[field];
  return body;
}
