/**
 * Job ids are `job_` + 8 characters of creation time + 12 random ones, so jobs made minutes
 * apart share their first characters: people tell them apart by the end.
 */
const JOB_ID_PREFIX = 'job_';
export const JOB_ID_TAIL_LENGTH = 6;

/** The distinguishing end of an id, e.g. `…x3Fq9Z`; an id short enough is shown whole. */
export function jobIdTail(id: string): string {
  const body = id.startsWith(JOB_ID_PREFIX) ? id.slice(JOB_ID_PREFIX.length) : id;
  return body.length <= JOB_ID_TAIL_LENGTH + 1 ? body : `…${body.slice(-JOB_ID_TAIL_LENGTH)}`;
}

/** What a search box means: trimmed, without the `…` of a tail copied off the screen. */
export function searchTerm(input: string): string {
  return input.trim().replace(/^…/, '');
}
