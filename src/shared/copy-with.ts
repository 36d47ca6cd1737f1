/**
 * `{ ...source, ...fields }` for hot paths. In Node 20's V8 a spread that adds a property the
 * source does not have takes a slow path: `{ ...usage, tokensPerSecond }` cost ~1.8 µs a call,
 * against ~0.1 µs for this (measured); a spread that only overrides existing fields is fast.
 */
export function copyWith<T extends object, F extends object>(source: T, fields: F): Omit<T, keyof F> & F {
  return Object.assign({}, source, fields);
}
