import { ZodError } from 'zod';
import { LmqError, isLmqError } from '../../shared/errors';
import { describeIssues } from '../../shared/validation';

/** A zod issue, or what Fastify's validation error keeps of one. */
export interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  /** invalid_union: each branch's issues. */
  errors?: ReadonlyArray<ReadonlyArray<{ code?: string; expected?: unknown; message?: string }>>;
}

/**
 * zod says only "Invalid input" when no branch of a union matched (`runAt: null`); say what the
 * branches expected and what came instead.
 */
export function explainIssue(issue: IssueLike): string {
  if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input' || !issue.errors) return issue.message;
  const firsts = issue.errors.map((branch) => branch[0]).filter((first) => first?.code === 'invalid_type');
  const expected = [...new Set(firsts.map((first) => String(first!.expected)))];
  if (expected.length === 0) return issue.message;
  const received = /received (\w+)/.exec(firsts[0]?.message ?? '')?.[1];
  return `expected ${expected.join(' or ')}${received ? `, received ${received}` : ''}`;
}

/** A 400 that names every offending field ("priority: ..."), with the issues as details. */
export function badRequestFromIssues(issues: readonly IssueLike[]): LmqError {
  const explained = issues.map((issue) => ({ path: issue.path, message: explainIssue(issue) }));
  return new LmqError('bad_request', describeIssues(explained), {
    details: explained.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
  });
}

export function badRequestFromZod(error: ZodError): LmqError {
  return badRequestFromIssues(error.issues as unknown as IssueLike[]);
}

/**
 * Every failure as an LmqError, so each transport shapes errors one way. Anything unexpected
 * becomes `internal` with a generic message: internals (SQL, stack traces) never reach a caller.
 */
export function toLmqError(error: unknown): LmqError {
  if (isLmqError(error)) return error;
  if (error instanceof ZodError) return badRequestFromZod(error);
  return new LmqError('internal', 'internal error');
}
