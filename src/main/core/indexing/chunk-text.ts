/**
 * The chunk stage: a document's text cut into pieces an embedding model takes whole.
 *
 * The text is split at the coarsest boundary that makes pieces small enough (paragraph breaks,
 * then line breaks, then sentence ends, then spaces, then a hard cut), and the pieces are packed
 * in order into chunks of at most `chunkTokens`. Each chunk after the first starts with about
 * `overlapTokens` of the previous one's end (from a word start), so a sentence cut by a boundary
 * is whole in one of them. Pure and deterministic.
 */
import { LmqError } from '../../../shared/errors';

/** About four characters a token: the rule the queue sizes prompts by (job kinds, ETA). */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export interface TextChunk {
  /** From 0, in document order. */
  ordinal: number;
  /** Never empty; no leading or trailing whitespace. */
  text: string;
  /** estimateTokens(text), at most chunkTokens. */
  tokens: number;
  /** Where the chunk lies in the text: text === source.slice(start, end). */
  start: number;
  end: number;
}

export interface ChunkOptions {
  chunkTokens: number;
  overlapTokens: number;
}

/** Coarsest first. A separator stays at the end of the piece before it, so the pieces add up to the text. */
const SEPARATORS: readonly RegExp[] = [/\n\s*\n\s*/g, /\n\s*/g, /[.!?;…。！？]+["'”’)\]]*\s+/g, /\s+/g];

export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
  const { chunkTokens, overlapTokens } = options;
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) throw new LmqError('bad_request', `chunkTokens must be a positive integer, not ${chunkTokens}`);
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= chunkTokens) {
    throw new LmqError('bad_request', `overlapTokens must be an integer from 0 to below chunkTokens (${chunkTokens}), not ${overlapTokens}`);
  }
  const chunkChars = chunkTokens * CHARS_PER_TOKEN;
  const overlapChars = overlapTokens * CHARS_PER_TOKEN;
  // A piece leaves room for the overlap, so any piece fits in a chunk that starts with one.
  const pieceEnds: number[] = [];
  splitRange(text, 0, text.length, chunkChars - overlapChars, 0, pieceEnds);

  const chunks: TextChunk[] = [];
  let lastStart = -1;
  let lastEnd = 0;
  const emit = (from: number, to: number) => {
    let start = from;
    let end = to;
    while (start < end && isSpace(text, start)) start++;
    while (end > start && isSpace(text, end - 1)) end--;
    // Only a chunk with text the previous one lacks: never one that is all overlap (or all whitespace).
    if (end <= start || end <= lastEnd) return;
    const body = text.slice(start, end);
    chunks.push({ ordinal: chunks.length, text: body, tokens: estimateTokens(body), start, end });
    lastStart = start;
    lastEnd = end;
  };

  let start = 0;
  let end = 0;
  for (const pieceEnd of pieceEnds) {
    if (pieceEnd - start > chunkChars) {
      emit(start, end);
      // Past the last chunk's start, so no chunk holds the whole of the one before it.
      start = overlapStart(text, Math.max(end - overlapChars, lastStart + 1), end);
    }
    end = pieceEnd;
  }
  emit(start, end);
  return chunks;
}

/** Appends the ends of pieces of at most `limit` characters that together cover [start, end). */
function splitRange(text: string, start: number, end: number, limit: number, level: number, ends: number[]): void {
  if (end - start <= limit) {
    ends.push(end);
    return;
  }
  const separator = SEPARATORS[level];
  if (!separator) {
    hardCut(text, start, end, limit, ends);
    return;
  }
  let from = start;
  for (const match of text.slice(start, end).matchAll(separator)) {
    const cut = start + match.index + match[0].length;
    if (cut >= end) break;
    splitRange(text, from, cut, limit, level + 1, ends);
    from = cut;
  }
  splitRange(text, from, end, limit, level + 1, ends);
}

/** Cuts every `limit` characters, never between the halves of a surrogate pair. */
function hardCut(text: string, start: number, end: number, limit: number, ends: number[]): void {
  for (let from = start; from < end; ) {
    let cut = Math.min(from + limit, end);
    if (cut < end && isLowSurrogate(text, cut)) cut--;
    ends.push(cut);
    from = cut;
  }
}

/**
 * Where the next chunk starts: the first word start in [from, end), else a plain cut at `from` (text
 * without spaces, such as Chinese, or an overlap shorter than the word it falls in).
 */
function overlapStart(text: string, from: number, end: number): number {
  if (from >= end) return end;
  for (let at = from; at < end; at++) {
    if (!isSpace(text, at) && (at === 0 || isSpace(text, at - 1))) return at;
  }
  return isLowSurrogate(text, from) ? from + 1 : from;
}

const SPACE = /\s/;

function isSpace(text: string, at: number): boolean {
  return SPACE.test(text[at]!);
}

function isLowSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff;
}
