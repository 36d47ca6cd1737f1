import { describe, expect, it } from 'vitest';
import { INDEX_STAGES, SKIP_REASONS } from '../../../shared/indexes';
import type { JobEta } from '../../../shared/job';
import { embeddingModelIds, indexEtaInWords, indexSizeInWords, scoreText, skippedCountInWords, skipReasonInWords, stageInWords } from './index-words';

const eta = (startsInSeconds: number, finishesInSeconds: number): JobEta => ({
  startsInSeconds,
  finishesInSeconds,
  startsInSecondsLow: startsInSeconds,
  startsInSecondsHigh: startsInSeconds,
  finishesInSecondsHigh: finishesInSeconds,
});

describe('index words', () => {
  it('says every stage in words, and a stage it does not know as named', () => {
    const words = INDEX_STAGES.map(stageInWords);
    expect(new Set(words).size).toBe(INDEX_STAGES.length);
    for (const [i, stage] of INDEX_STAGES.entries()) expect(words[i]).not.toBe(stage);
    expect(stageInWords('queued')).toBe('waiting for a run');
    expect(stageInWords('embed')).toBe('embedding');
    expect(stageInWords('reticulate')).toBe('reticulate');
  });

  it('counts the ETA down from when the job was heard', () => {
    expect(indexEtaInWords({ state: 'running', eta: eta(0, 130) })).toBe('about 2 min left');
    expect(indexEtaInWords({ state: 'running', eta: eta(0, 130) }, 100)).toBe('about 30 s left');
    expect(indexEtaInWords({ state: 'running', eta: eta(0, 130) }, 130)).toBe('finishing');
    expect(indexEtaInWords({ state: 'queued', eta: eta(40, 200) })).toBe('starts in about 40 s');
    expect(indexEtaInWords({ state: 'queued', eta: eta(40, 200) }, 45)).toBe('starts any moment');
  });

  it('has no ETA without an estimate or once done', () => {
    expect(indexEtaInWords({ state: 'running', eta: null })).toBeNull();
    expect(indexEtaInWords({ state: 'succeeded', eta: eta(0, 10) })).toBeNull();
    expect(indexEtaInWords({ state: 'failed', eta: null })).toBeNull();
  });

  it('shows scores to two decimals', () => {
    expect(scoreText(0.8349)).toBe('0.83');
    expect(scoreText(0.835)).toBe('0.83'); // binary 0.835 is just below: toFixed rounds what is stored
    expect(scoreText(1)).toBe('1.00');
    expect(scoreText(-0.126)).toBe('-0.13');
    expect(scoreText(Number.NaN)).toBe('—');
  });

  it('shows small sizes in bytes and larger ones in decimal units', () => {
    expect(indexSizeInWords(0)).toBe('0 B');
    expect(indexSizeInWords(812)).toBe('812 B');
    expect(indexSizeInWords(12_400)).toBe('12 kB');
    expect(indexSizeInWords(84_000_000)).toBe('84 MB');
  });

  it('says every skip reason in words and counts skipped files', () => {
    for (const reason of SKIP_REASONS) expect(skipReasonInWords(reason)).toMatch(/^[a-z ]+$/);
    expect(skipReasonInWords('too_large')).toBe('too large');
    expect(skippedCountInWords(1)).toBe('1 file skipped');
    expect(skippedCountInWords(1200)).toBe('1,200 files skipped');
  });

  it('picks the embedding models, by type or by id, loaded ones first', () => {
    const models = [
      { id: 'llm-a', type: 'llm', loaded: true },
      { id: 'nomic-embed-text', type: null, loaded: false },
      { id: 'bge-small', type: 'embedding', loaded: false },
      { id: 'text-embedding-x', type: 'embeddings', loaded: true },
    ];
    expect(embeddingModelIds(models)).toEqual(['text-embedding-x', 'nomic-embed-text', 'bge-small']);
    expect(embeddingModelIds([{ id: 'llm-a', type: 'llm', loaded: true }])).toEqual([]);
  });
});
