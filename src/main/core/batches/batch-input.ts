/**
 * A batch's input file, read line by line from disk (never whole): each line
 * `{custom_id, method: "POST", url: <the batch's endpoint>, body}`. Validation names each bad
 * line as OpenAI's `errors.data[]` does; the same reader later turns the lines into child jobs.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JobKind } from '../../../shared/job';

/** The endpoints a batch may name, and the job kind each line becomes. */
export const BATCH_ENDPOINTS = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completion',
  '/v1/embeddings': 'embedding',
  '/v1/responses': 'responses',
} as const satisfies Record<string, JobKind>;
export type BatchEndpoint = keyof typeof BATCH_ENDPOINTS;

export function isBatchEndpoint(value: string): value is BatchEndpoint {
  return Object.hasOwn(BATCH_ENDPOINTS, value);
}

/** OpenAI's limit per batch. */
export const MAX_BATCH_REQUESTS = 50_000;
/** A malformed file reports this many of its bad lines; enough to fix, small enough to store. */
export const MAX_REPORTED_ERRORS = 100;
const MAX_CUSTOM_ID_LENGTH = 512;

/** One entry of a failed batch's `errors.data`. */
export interface BatchLineError {
  code: string;
  message: string;
  /** 1-based line of the input file; null for the file as a whole. */
  line: number | null;
  param: string | null;
}

/** A valid request line. */
export interface BatchRequestLine {
  /** 0-based among the requests (blank lines are skipped): the child job's index. */
  index: number;
  customId: string;
  model: string;
  body: Record<string, unknown>;
}

type ParsedLine = { ok: true; customId: string; model: string; body: Record<string, unknown> } | { ok: false; error: BatchLineError };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineError(line: number, code: string, message: string, param: string | null = null): ParsedLine {
  return { ok: false, error: { code, message: `line ${line}: ${message}`, line, param } };
}

/** Checks one non-blank line against the batch's endpoint. */
export function parseRequestLine(text: string, line: number, endpoint: BatchEndpoint): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return lineError(line, 'invalid_json_line', `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(value)) return lineError(line, 'invalid_json_line', 'each line must be a JSON object');
  const customId = value.custom_id;
  if (typeof customId !== 'string' || customId.trim() === '') {
    return lineError(line, 'missing_required_parameter', 'custom_id is required (a non-empty string)', 'custom_id');
  }
  if (customId.length > MAX_CUSTOM_ID_LENGTH) {
    return lineError(line, 'invalid_value', `custom_id is longer than ${MAX_CUSTOM_ID_LENGTH} characters`, 'custom_id');
  }
  if (value.method !== 'POST') return lineError(line, 'invalid_method', `method must be "POST", got ${JSON.stringify(value.method ?? null)}`, 'method');
  if (value.url !== endpoint) {
    return lineError(line, 'invalid_url', `url must be the batch's endpoint "${endpoint}", got ${JSON.stringify(value.url ?? null)}`, 'url');
  }
  const body = value.body;
  if (!isRecord(body)) return lineError(line, 'missing_required_parameter', 'body must be a JSON object (the request)', 'body');
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    return lineError(line, 'missing_required_parameter', 'body.model is required', 'body.model');
  }
  return { ok: true, customId, model: body.model, body };
}

/** Each line of the file with its 1-based number, streamed from disk. */
async function* fileLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  // 16 KiB reads: each is parsed in one turn of the event loop, so a turn stays short.
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 16 * 1024 }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of reader) {
      line++;
      yield { line, text };
    }
  } finally {
    reader.close();
  }
}

export interface BatchFileCheck {
  /** Requests in the file (valid or not). */
  total: number;
  /** Empty when the file is good; at most MAX_REPORTED_ERRORS, in line order. */
  errors: BatchLineError[];
  /** The requests as read, when the file is good and no bigger than `keepUpToBytes`; else null. */
  requests: BatchRequestLine[] | null;
}

/**
 * Reads the whole file once. Besides the custom_ids (for duplicates), the parsed requests are
 * kept only while the file is small (`keepUpToBytes` of lines), which spares adding them a
 * second read; a bigger file is read again by `requestLines`, so memory stays bounded.
 */
export async function checkBatchFile(path: string, endpoint: BatchEndpoint, keepUpToBytes = 0): Promise<BatchFileCheck> {
  const errors: BatchLineError[] = [];
  const seen = new Set<string>();
  let total = 0;
  let kept: BatchRequestLine[] | null = keepUpToBytes > 0 ? [] : null;
  let keptBytes = 0;
  const report = (error: BatchLineError) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
  };
  for await (const { line, text } of fileLines(path)) {
    if (text.trim() === '') continue;
    total++;
    if (total > MAX_BATCH_REQUESTS) {
      report({ code: 'too_many_requests', message: `line ${line}: a batch may have at most ${MAX_BATCH_REQUESTS.toLocaleString('en-US')} requests`, line, param: null });
      break;
    }
    const parsed = parseRequestLine(text, line, endpoint);
    if (!parsed.ok) {
      report(parsed.error);
      continue;
    }
    if (seen.has(parsed.customId)) {
      report({ code: 'duplicate_custom_id', message: `line ${line}: custom_id "${parsed.customId}" appears more than once`, line, param: 'custom_id' });
    }
    seen.add(parsed.customId);
    if (kept) {
      keptBytes += text.length;
      if (keptBytes > keepUpToBytes) kept = null;
      else kept.push({ index: total - 1, customId: parsed.customId, model: parsed.model, body: parsed.body });
    }
  }
  if (total === 0) errors.push({ code: 'empty_file', message: 'the input file has no requests', line: null, param: null });
  return { total, errors, requests: errors.length === 0 ? kept : null };
}

/**
 * The requests of a file that `checkBatchFile` passed, in order, from request `fromIndex` on
 * (a restart resumes where it was). Lines that fail parsing here (the file changed) are skipped.
 */
export async function* requestLines(path: string, endpoint: BatchEndpoint, fromIndex = 0): AsyncGenerator<BatchRequestLine> {
  let index = -1;
  for await (const { line, text } of fileLines(path)) {
    if (text.trim() === '') continue;
    index++;
    if (index < fromIndex) continue;
    const parsed = parseRequestLine(text, line, endpoint);
    if (parsed.ok) yield { index, customId: parsed.customId, model: parsed.model, body: parsed.body };
  }
}
