import { describe, expect, it } from 'vitest';
import { checkIndexForm, parseGlobList, problemText, refusalProblems, type IndexFormFields } from './index-form-check';

const filled: IndexFormFields = { name: 'team-docs', path: 'docs', embeddingModel: 'text-embedding-x', chunkTokens: '', overlapTokens: '', include: '' };
const problemsOf = (fields: Partial<IndexFormFields>) => {
  const checked = checkIndexForm({ ...filled, ...fields });
  return 'problems' in checked ? checked.problems.map(problemText) : [];
};

describe('the create-index form', () => {
  it('makes a request with only what was given, trimmed', () => {
    expect(checkIndexForm({ ...filled, name: ' team-docs ', path: ' docs ' })).toEqual({
      request: { name: 'team-docs', path: 'docs', embeddingModel: 'text-embedding-x' },
    });
    expect(checkIndexForm({ ...filled, chunkTokens: '200', overlapTokens: '20', include: '**/*.md, notes/** ,' })).toEqual({
      request: { name: 'team-docs', path: 'docs', embeddingModel: 'text-embedding-x', chunkTokens: 200, overlapTokens: 20, include: ['**/*.md', 'notes/**'] },
    });
  });

  it('names each empty required field once, in plain words', () => {
    expect(problemsOf({ name: '', path: ' ', embeddingModel: '' })).toEqual(['Name: required', 'Folder: required', 'Embedding model: required']);
  });

  it('says a token count must be a whole number', () => {
    expect(problemsOf({ chunkTokens: '12.5' })).toEqual(['Chunk tokens: a whole number of tokens']);
    expect(problemsOf({ overlapTokens: 'lots' })).toEqual(['Overlap tokens: a whole number of tokens']);
  });

  it("applies the shared schema's rules, naming the field", () => {
    expect(problemsOf({ name: 'team docs' })).toEqual([expect.stringMatching(/^Name: .*letters, digits/)]);
    expect(problemsOf({ chunkTokens: '8', overlapTokens: '0' })).toEqual([expect.stringMatching(/^Chunk tokens: .*16/)]);
    // The default chunk is 400 tokens: an overlap of 400 leaves nothing new in each chunk.
    expect(problemsOf({ overlapTokens: '400' })).toEqual(['Overlap tokens: must be smaller than Chunk tokens (400 is not below 400)']);
    // The default overlap (50) against a small chunk typed in.
    expect(problemsOf({ chunkTokens: '20' })).toEqual(['Overlap tokens: must be smaller than Chunk tokens (50 is not below 20)']);
    expect(problemsOf({ chunkTokens: '100', overlapTokens: '60' })).toEqual([]);
  });

  it('splits a glob list on commas', () => {
    expect(parseGlobList('')).toEqual([]);
    expect(parseGlobList(' a/** ,, *.txt')).toEqual(['a/**', '*.txt']);
  });
});

describe('a server refusal', () => {
  it('names the field it is about', () => {
    const problems = refusalProblems('path: /etc is outside the index roots (/srv/docs, /srv/more)');
    expect(problems).toEqual([{ field: 'path', message: '/etc is outside the index roots (/srv/docs, /srv/more)' }]);
    expect(problems.map(problemText)).toEqual(['Folder: /etc is outside the index roots (/srv/docs, /srv/more)']);
  });

  it('splits several fields, and keeps a message that names none whole', () => {
    expect(refusalProblems('name: Too big; include.3: Too small')).toEqual([
      { field: 'name', message: 'Too big' },
      { field: 'include', message: 'Too small' },
    ]);
    expect(refusalProblems('overlapTokens: must be smaller than chunkTokens (20); got 50')).toEqual([
      { field: 'overlapTokens', message: 'must be smaller than chunkTokens (20); got 50' },
    ]);
    const busy = 'index team-docs is being indexed by job j1; cancel it or wait for it';
    expect(refusalProblems(busy)).toEqual([{ field: null, message: busy }]);
    expect(refusalProblems('model: no such thing')).toEqual([{ field: null, message: 'model: no such thing' }]);
  });
});
