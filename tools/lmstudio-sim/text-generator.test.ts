/** Simulated embeddings: a hashed bag of words, so similar texts are near and searches over them make sense. */
import { describe, expect, test } from 'vitest';
import { embeddingVector } from './text-generator';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const DIMENSIONS = 256;
const embed = (text: string, seed = 7) => embeddingVector(text, seed, DIMENSIONS);

describe('embeddingVector', () => {
  test('is unit length and the same for the same text and seed, whatever the case', () => {
    for (const text of ['The harbor lantern', 'one', '', '!!!', 'ünïcödé wörds 42']) {
      const vector = embed(text);
      expect(vector).toHaveLength(DIMENSIONS);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
      expect(embed(text)).toEqual(vector);
    }
    expect(embed('The Harbor LANTERN')).toEqual(embed('the harbor lantern'));
    expect(embed('the harbor lantern', 8)).not.toEqual(embed('the harbor lantern', 7));
  });

  test('texts that share words are nearer than texts that share none', () => {
    const query = embed('how do I reset the queue priority');
    const related = embed('resetting the priority of a queue: how it is done');
    const unrelated = embed('copper maple garden in summer');
    // Four of the seven words shared: about 4 / sqrt(7 * 10) of the words' weight, less the pairs'.
    expect(cosine(query, related)).toBeGreaterThan(0.3);
    expect(cosine(query, related)).toBeGreaterThan(Math.abs(cosine(query, unrelated)) + 0.2);
    // One word changed of many: still very near.
    const long = 'the local model answers every question in the shared queue by priority';
    expect(cosine(embed(long), embed(long.replace('every', 'each')))).toBeGreaterThan(0.8);
  });

  test('word order counts a little (pairs of words), the words most', () => {
    const a = embed('river stone harbor');
    const reordered = embed('harbor stone river');
    expect(cosine(a, reordered)).toBeLessThan(1 - 1e-6);
    expect(cosine(a, reordered)).toBeGreaterThan(0.6);
  });
});
