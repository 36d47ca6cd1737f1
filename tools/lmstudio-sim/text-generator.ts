/**
 * Deterministic pseudo-content for the simulator: the same seed and the same request give the
 * same words, the same length and the same embedding, so tests and benchmarks are repeatable.
 */

/** FNV-1a over the text, mixed with the seed; a stable 32-bit key for one request. */
export function hashText(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** mulberry32: tiny, fast, good enough for test data, and seedable (Math.random is not). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'the', 'queue', 'model', 'token', 'shared', 'machine', 'team', 'answer', 'question', 'fair',
  'priority', 'studio', 'local', 'batch', 'stream', 'context', 'window', 'embedding', 'vector',
  'graph', 'index', 'document', 'chunk', 'search', 'result', 'quick', 'careful', 'steady', 'light',
  'signal', 'river', 'stone', 'harbor', 'lantern', 'garden', 'north', 'summer', 'copper', 'maple',
] as const;

/** LM Studio counts roughly four characters per token; so do we. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** `count` token strings; each one is what one SSE chunk carries. */
export function generateTokens(random: () => number, count: number): string[] {
  const tokens: string[] = [];
  let sentenceLength = 0;
  for (let i = 0; i < count; i++) {
    const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'token';
    const capitalised = sentenceLength === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word;
    sentenceLength++;
    const endsSentence = i === count - 1 || (sentenceLength > 5 && random() < 0.15);
    if (endsSentence) sentenceLength = 0;
    tokens.push((i === 0 ? '' : ' ') + capitalised + (endsSentence ? '.' : ''));
  }
  return tokens;
}

/** How many tokens a request generates: seeded, between the bounds, capped by max_tokens. */
export function pickOutputLength(
  random: () => number,
  bounds: { min: number; max: number },
  maxTokens: number | null,
): { count: number; truncated: boolean } {
  const natural = bounds.min + Math.floor(random() * (bounds.max - bounds.min + 1));
  if (maxTokens !== null && maxTokens < natural) return { count: Math.max(0, maxTokens), truncated: true };
  return { count: natural, truncated: false };
}

/** Slots each word (or word pair) adds to, with a sign each: few enough that unrelated texts stay apart. */
const SLOTS_PER_FEATURE = 3;
const BIGRAM_WEIGHT = 0.5;

/**
 * A unit-length vector that depends only on the text and the seed: a hashed bag of words (lower
 * case, with word pairs counted lightly), so texts that share words lie near each other and a
 * search over simulated embeddings finds what a reader would expect. A text with no words is
 * hashed whole.
 */
export function embeddingVector(text: string, seed: number, dimensions: number): number[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const sum = new Float64Array(dimensions);
  const add = (feature: string, weight: number): void => {
    const random = createRandom(hashText(feature, seed));
    for (let i = 0; i < SLOTS_PER_FEATURE; i++) {
      const slot = Math.floor(random() * dimensions);
      sum[slot] = sum[slot]! + (random() < 0.5 ? -weight : weight);
    }
  };
  if (words.length === 0) add(text, 1);
  words.forEach((word, i) => {
    add(word, 1);
    if (i > 0) add(`${words[i - 1]} ${word}`, BIGRAM_WEIGHT);
  });
  let norm = Math.sqrt(sum.reduce((total, x) => total + x * x, 0));
  // The slots can cancel out (a word and its sign-flipped twin): any fixed direction will do then.
  if (norm === 0) {
    sum[0] = 1;
    norm = 1;
  }
  return Array.from(sum, (x) => x / norm);
}
