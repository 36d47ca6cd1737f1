import type { z } from 'zod';
import { LmqError } from './errors';

/** "input.messages: Required; priority: must be 0-9" — names every offending field. */
export function describeIssues(issues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly message: string }>): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses or throws LmqError('bad_request') whose message names the fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new LmqError('bad_request', describeIssues(result.error.issues));
  return result.data;
}
