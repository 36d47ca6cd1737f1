/**
 * @deprecated Write `{ ...source, ...fields }`. Kept only until its last caller,
 * src/main/api/job-handlers.ts, stops using it; then this file and its test go.
 */
export function copyWith<T extends object, F extends object>(source: T, fields: F): Omit<T, keyof F> & F {
  return Object.assign({}, source, fields);
}
