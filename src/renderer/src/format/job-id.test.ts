import { describe, expect, it } from 'vitest';
import { jobIdTail, searchTerm } from './job-id';

describe('jobIdTail', () => {
  it('shows the random end of ids that share their time prefix', () => {
    const first = 'job_-P7uAbCdQw3x9Kz1Lm';
    const second = 'job_-P7uAbCdRt5y2Hn8Vb';
    expect(jobIdTail(first)).toBe('…9Kz1Lm');
    expect(jobIdTail(second)).toBe('…2Hn8Vb');
    expect(jobIdTail(first)).not.toBe(jobIdTail(second));
  });

  it('shows a short id whole, without the prefix', () => {
    expect(jobIdTail('job_abc123')).toBe('abc123');
    expect(jobIdTail('j9')).toBe('j9');
  });
});

describe('searchTerm', () => {
  it('finds a job by a tail copied off the screen', () => {
    const id = 'job_-P7uAbCdQw3x9Kz1Lm';
    expect(id.includes(searchTerm(` ${jobIdTail(id)} `))).toBe(true);
    expect(searchTerm('  alice ')).toBe('alice');
  });
});
