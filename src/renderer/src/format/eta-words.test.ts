import { describe, expect, it } from 'vitest';
import { makeJob } from '../../../shared/testing/job-fixtures';
import { ageInWords, durationInWords } from './durations';
import { etaInWords, progressPercent } from './eta-words';

describe('durationInWords', () => {
  it('says seconds, minutes, hours and days as people do', () => {
    expect(durationInWords(0)).toBe('0 s');
    expect(durationInWords(12.4)).toBe('12 s');
    expect(durationInWords(59.4)).toBe('59 s');
    expect(durationInWords(95)).toBe('2 min');
    expect(durationInWords(3600)).toBe('1 h');
    expect(durationInWords(4800)).toBe('1 h 20 min');
    expect(durationInWords(3 * 86400)).toBe('3 days');
  });
});

/** An ETA whose range is the point itself unless given. */
const eta = (startsIn: number, finishesIn: number, high = startsIn) => ({
  startsInSeconds: startsIn,
  finishesInSeconds: finishesIn,
  startsInSecondsLow: startsIn,
  startsInSecondsHigh: high,
  finishesInSecondsHigh: finishesIn + (high - startsIn),
});

describe('etaInWords', () => {
  const queued = makeJob('a', { state: 'queued', eta: eta(12, 20) });

  it('says when a queued job starts, counting down from receipt', () => {
    expect(etaInWords(queued)).toBe('starts in ~12 s');
    expect(etaInWords(queued, 5)).toBe('starts in ~7 s');
    expect(etaInWords(queued, 12)).toBe('starts any moment');
    expect(etaInWords({ ...queued, eta: eta(190, 200) })).toBe('starts in ~3 min');
    expect(etaInWords({ ...queued, eta: null })).toBe('waiting for an estimate');
  });

  it('says the range where the forecast is uncertain, and not where it is narrow', () => {
    expect(etaInWords({ ...queued, eta: eta(12, 20, 40) })).toBe('starts in ~12 s, up to 40 s');
    expect(etaInWords({ ...queued, eta: eta(12, 20, 40) }, 10)).toBe('starts in ~2 s, up to 30 s');
    expect(etaInWords({ ...queued, eta: eta(0, 8, 20) })).toBe('starts any moment, up to 20 s');
    expect(etaInWords({ ...queued, eta: eta(60, 80, 70) })).toBe('starts in ~1 min');
    expect(etaInWords({ ...queued, eta: eta(12, 20, 14) })).toBe('starts in ~12 s');
  });

  it('says when a running job is done', () => {
    const running = makeJob('b', { state: 'running', eta: eta(0, 8) });
    expect(etaInWords(running)).toBe('done in ~8 s');
    expect(etaInWords(running, 9)).toBe('finishing');
  });

  it('names finished states', () => {
    expect(etaInWords(makeJob('c', { state: 'succeeded' }))).toBe('done');
    expect(etaInWords(makeJob('c', { state: 'failed' }))).toBe('failed');
  });
});

describe('progressPercent and ageInWords', () => {
  it('rounds progress to a whole percentage', () => {
    expect(progressPercent(makeJob('a', { state: 'running', progress: { fraction: 0.456, stage: 'generating', message: null } }))).toBe(46);
    expect(progressPercent(makeJob('a', { state: 'running', progress: { fraction: null, stage: 'prompt', message: null } }))).toBe(0);
    expect(progressPercent(makeJob('a', { state: 'succeeded', progress: { fraction: null, stage: 'done', message: null } }))).toBe(100);
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T00:01:30.000Z');
    expect(ageInWords('2026-01-01T00:00:00.000Z', now)).toBe('2 min ago');
    expect(ageInWords('2026-01-01T00:01:29.500Z', now)).toBe('just now');
  });
});
