import { ZodError } from 'zod';
import { LmqError, isLmqError } from '../../shared/errors';
import { describeIssues } from '../../shared/validation';

/** A 400 that names every offending field ("priority: ..."), with the issues as details. */
export function badRequestFromIssues(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): LmqError {
  return new LmqError('bad_request', describeIssues(issues), {
    details: issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
  });
}

export function badRequestFromZod(error: ZodError): LmqError {
  return badRequestFromIssues(error.issues);
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
