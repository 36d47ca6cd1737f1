import { ZodError } from 'zod';
import { LmqError, isLmqError } from '../../shared/errors';
import { describeIssues } from '../../shared/validation';

export function badRequestFromZod(error: ZodError): LmqError {
  return new LmqError('bad_request', describeIssues(error.issues), {
    details: error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
  });
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
