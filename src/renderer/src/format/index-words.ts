/** Words for the Indexes tab: an index job's stage and ETA, search scores, sizes, why a file was skipped. */
import type { ModelInfo } from '../../../shared/backend';
import type { SkipReason } from '../../../shared/indexes';
import type { Job } from '../../../shared/job';
import { durationInWords, formatBytes } from './durations';

const STAGE_WORDS: Record<string, string> = {
  queued: 'waiting for a run',
  scan: 'scanning the folder',
  extract: 'extracting text',
  chunk: 'chunking',
  embed: 'embedding',
  store: 'storing vectors',
};

/** An index job's stage as a phrase; a stage this UI does not know is shown as the server named it. */
export function stageInWords(stage: string): string {
  return STAGE_WORDS[stage] ?? stage;
}

/**
 * How long an index job has to go, counted down from when the UI received it: "starts in about
 * 40 s" while it waits, "about 2 min left" while it runs; null when there is no estimate or it is done.
 */
export function indexEtaInWords(job: Pick<Job, 'state' | 'eta'>, elapsedSeconds = 0): string | null {
  if (!job.eta) return null;
  if (job.state === 'queued') {
    const startsIn = job.eta.startsInSeconds - elapsedSeconds;
    return startsIn < 1 ? 'starts any moment' : `starts in about ${durationInWords(startsIn)}`;
  }
  if (job.state === 'running') {
    const finishesIn = job.eta.finishesInSeconds - elapsedSeconds;
    return finishesIn < 1 ? 'finishing' : `about ${durationInWords(finishesIn)} left`;
  }
  return null;
}

/** A cosine similarity to two decimals: "0.83". */
export function scoreText(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : '—';
}

/** An index's size: bytes under a kilobyte as such ("812 B"), larger ones as model sizes are shown. */
export function indexSizeInWords(bytes: number): string {
  return bytes < 1_000 ? `${Math.max(0, Math.round(bytes))} B` : formatBytes(bytes);
}

const SKIP_REASON_WORDS: Record<SkipReason, string> = {
  hidden: 'hidden',
  too_large: 'too large',
  unreadable: 'unreadable',
  outside_root: 'outside the root',
  unsupported: 'unsupported format',
  extract_failed: 'text extraction failed',
  empty: 'no text',
};

export function skipReasonInWords(reason: SkipReason): string {
  return SKIP_REASON_WORDS[reason] ?? reason;
}

/** "1 file skipped", "3 files skipped". */
export function skippedCountInWords(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'file' : 'files'} skipped`;
}

/** The models that look like embedding models (LM Studio's type, else an id containing "embed"), loaded ones first. */
export function embeddingModelIds(models: readonly Pick<ModelInfo, 'id' | 'type' | 'loaded'>[]): string[] {
  return models
    .filter((model) => /embed/i.test(model.type ?? '') || /embed/i.test(model.id))
    .sort((a, b) => Number(b.loaded) - Number(a.loaded))
    .map((model) => model.id);
}
