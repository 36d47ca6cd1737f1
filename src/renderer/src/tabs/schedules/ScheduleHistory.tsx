/** A schedule's latest jobs (its history of runs), newest first. */
import type { Job } from '../../../../shared/job';
import { ageInWords, elapsedBetween } from '../../format/durations';
import { JobId } from '../../ui/JobId';
import { StateBadge } from '../../ui/widgets';

export function ScheduleHistory({ name, jobs, now }: { name: string; jobs: Job[]; now: number }) {
  if (jobs.length === 0) return <p className="muted">No runs of {name} yet.</p>;
  return (
    <table className="table table--compact" aria-label={`Runs of ${name}`}>
      <thead>
        <tr>
          <th>Job</th>
          <th>State</th>
          <th>Made</th>
          <th className="col--optional">Took</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-job-id={job.id} data-state={job.state}>
            <td>
              <JobId id={job.id} />
            </td>
            <td>
              <StateBadge state={job.state} />
            </td>
            <td title={job.createdAt}>{ageInWords(job.createdAt, now)}</td>
            <td className="col--optional">{elapsedBetween(job.startedAt, job.finishedAt) ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
