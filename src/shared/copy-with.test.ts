import { describe, expect, test } from 'vitest';
import { copyWith } from './copy-with';

describe('copyWith', () => {
  test('copies the source, adds and overrides fields, and leaves the source alone', () => {
    const source = { a: 1, b: { nested: true }, model: 'old' };
    const copy = copyWith(source, { model: 'new', extra: 2 });
    expect(copy).toEqual({ a: 1, b: { nested: true }, model: 'new', extra: 2 });
    expect(source).toEqual({ a: 1, b: { nested: true }, model: 'old' });
    expect(copy.b).toBe(source.b); // shallow, as a spread is
  });
});
