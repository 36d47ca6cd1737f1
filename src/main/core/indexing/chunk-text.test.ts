import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LmqError } from '../../../shared/errors';
import { CHARS_PER_TOKEN, chunkText, estimateTokens, type TextChunk } from './chunk-text';

const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `word${from + i}`).join(' ');
const withoutSpace = (text: string) => text.replace(/\s+/g, '');
/** Characters a chunk repeats from the one before it. */
const overlapOf = (previous: TextChunk | undefined, chunk: TextChunk) => (previous ? Math.max(0, previous.end - chunk.start) : 0);

/** Text made of words, spaces, line breaks, paragraph breaks and sentence ends, in any mix and any script. */
const documentText = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme-ascii' }) },
      { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }) },
      { weight: 4, arbitrary: fc.constantFrom(' ', '  ', '\n', '\n\n', '\n\n\n', '. ', '! ', '? ', '.\n', '\t', '\u00a0') },
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(''));

const sizes = fc.integer({ min: 1, max: 60 }).chain((chunkTokens) => fc.record({ chunkTokens: fc.constant(chunkTokens), overlapTokens: fc.integer({ min: 0, max: chunkTokens - 1 }) }));

describe('chunkText', () => {
  it('packs paragraphs whole while they fit, and starts a chunk at a paragraph break', () => {
    const paragraphs = [words(20), words(20, 20), words(20, 40)];
    const text = paragraphs.join('\n\n');
    // Two paragraphs fit in 80 tokens (about 320 characters), three do not.
    const chunks = chunkText(text, { chunkTokens: 80, overlapTokens: 0 });
    expect(chunks.map((c) => c.text)).toEqual([`${paragraphs[0]}\n\n${paragraphs[1]}`, paragraphs[2]]);
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1]);
    expect(chunks[1]!.tokens).toBe(estimateTokens(paragraphs[2]!));
  });

  it('cuts a long paragraph at sentence ends before spaces', () => {
    const sentences = [`${words(10)}.`, `${words(10, 10)}!`, `${words(10, 20)}?`];
    const chunks = chunkText(sentences.join(' '), { chunkTokens: 30, overlapTokens: 0 });
    expect(chunks.map((c) => c.text)).toEqual(sentences);
  });

  it('repeats about overlapTokens of the previous chunk, from a word start', () => {
    const text = words(200);
    const chunks = chunkText(text, { chunkTokens: 50, overlapTokens: 10 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const [i, chunk] of chunks.entries()) {
      if (i === 0) continue;
      const overlap = overlapOf(chunks[i - 1], chunk);
      expect(overlap).toBeGreaterThan(10 * CHARS_PER_TOKEN - 'word199 '.length);
      expect(overlap).toBeLessThanOrEqual(10 * CHARS_PER_TOKEN);
      expect(chunk.text).toMatch(/^word\d+ /);
    }
  });

  it('hard-cuts text without spaces and never splits a surrogate pair', () => {
    // After the 'a', every cut at a multiple of 12 UTF-16 units would fall inside a pair.
    const text = `a${'\u{1F600}'.repeat(50)}`;
    const chunks = chunkText(text, { chunkTokens: 3, overlapTokens: 0 });
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(3 * CHARS_PER_TOKEN);
      expect(chunk.text).toMatch(/^a?(?:\u{1F600})+$/u);
    }
  });

  it('gives nothing for empty or whitespace-only text', () => {
    expect(chunkText('', { chunkTokens: 10, overlapTokens: 2 })).toEqual([]);
    expect(chunkText(' \n\n\t ', { chunkTokens: 10, overlapTokens: 2 })).toEqual([]);
  });

  it('gives one chunk for a short text, trimmed', () => {
    expect(chunkText('\n  Hello there.  \n', { chunkTokens: 10, overlapTokens: 2 })).toEqual([{ ordinal: 0, text: 'Hello there.', tokens: 3, start: 3, end: 15 }]);
  });

  it('refuses sizes that cannot work', () => {
    const refuse = (options: { chunkTokens: number; overlapTokens: number }) => {
      expect(() => chunkText('text', options)).toThrow(LmqError);
    };
    refuse({ chunkTokens: 0, overlapTokens: 0 });
    refuse({ chunkTokens: 10, overlapTokens: 10 });
    refuse({ chunkTokens: 10, overlapTokens: -1 });
    refuse({ chunkTokens: 2.5, overlapTokens: 0 });
  });

  it('property: chunks fit, cover the text in order, overlap less than themselves, and are deterministic', () => {
    fc.assert(
      fc.property(documentText, sizes, (text, options) => {
        const chunks = chunkText(text, options);
        expect(chunkText(text, options)).toEqual(chunks);
        let rebuilt = '';
        chunks.forEach((chunk, i) => {
          const previous = chunks[i - 1];
          expect(chunk.ordinal).toBe(i);
          expect(chunk.text).toBe(text.slice(chunk.start, chunk.end));
          expect(chunk.text).toBe(chunk.text.trim());
          expect(chunk.text.length).toBeGreaterThan(0);
          expect(chunk.tokens).toBe(estimateTokens(chunk.text));
          expect(chunk.tokens).toBeLessThanOrEqual(options.chunkTokens);
          // No lone halves of a surrogate pair at the edges.
          expect(chunk.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
          const overlap = overlapOf(previous, chunk);
          expect(overlap).toBeLessThanOrEqual(options.overlapTokens * CHARS_PER_TOKEN);
          expect(overlap).toBeLessThan(chunk.text.length);
          if (previous) {
            expect(chunk.start).toBeGreaterThan(previous.start);
            expect(chunk.end).toBeGreaterThan(previous.end);
            // What lies between two chunks is whitespace only.
            if (chunk.start > previous.end) expect(text.slice(previous.end, chunk.start).trim()).toBe('');
            expect(previous.text.endsWith(chunk.text.slice(0, overlap))).toBe(true);
          }
          rebuilt += ` ${chunk.text.slice(overlap)}`;
        });
        expect(withoutSpace(rebuilt)).toBe(withoutSpace(text));
      }),
      { numRuns: 500 },
    );
  });

  it('chunks a 1 MB text quickly into chunks of the asked size', () => {
    const paragraph = `${words(60)}. ${words(40, 60)}.`;
    const text = Array.from({ length: 1_000_000 / paragraph.length }, () => paragraph).join('\n\n');
    const chunks = chunkText(text, { chunkTokens: 400, overlapTokens: 50 });
    expect(chunks.length).toBeGreaterThan(text.length / (400 * CHARS_PER_TOKEN));
    expect(Math.max(...chunks.map((c) => c.tokens))).toBeLessThanOrEqual(400);
  });
});
