import { describe, expect, it } from 'vitest';
import type { Neo4jMirrorState } from '../../../../shared/mirror';
import { neo4jMirrorSummary } from './neo4j-mirror-summary';

const state = (overrides: Partial<Neo4jMirrorState>): Neo4jMirrorState => ({
  uri: 'bolt://db:7687',
  database: null,
  connected: true,
  lag: { rows: 0, seconds: 0 },
  lastError: null,
  lastSyncAt: null,
  mirroredChanges: 0,
  backfill: null,
  ...overrides,
});

describe('neo4jMirrorSummary', () => {
  it('says when everything is mirrored', () => {
    expect(neo4jMirrorSummary(state({}))).toEqual({ label: 'Connected', tone: 'ok', hint: 'all job records mirrored' });
  });

  it('says what waits, and why, while Neo4j cannot be written', () => {
    const summary = neo4jMirrorSummary(
      state({ connected: false, lag: { rows: 1_204, seconds: 42 }, lastError: 'Neo.ClientError.Security.Unauthorized: bad password' }),
    );
    expect(summary).toEqual({
      label: 'Not connected',
      tone: 'bad',
      hint: '1,204 changes waiting, oldest 42 s · Neo.ClientError.Security.Unauthorized: bad password',
    });
    expect(neo4jMirrorSummary(state({ lag: { rows: 1, seconds: 0.2 } })).hint).toBe('1 change waiting, oldest 0 s');
  });

  it('shows a running backfill\'s progress', () => {
    const backfill = { state: 'running', scope: 'all', jobs: 12_500, fraction: 0.257, startedAt: '2026-03-01T00:00:00.000Z', finishedAt: null } as const;
    expect(neo4jMirrorSummary(state({ backfill })).hint).toBe('all job records mirrored · backfilling the jobs already here: 25% (12,500 sent)');
    expect(neo4jMirrorSummary(state({ backfill: { ...backfill, state: 'done', fraction: 1 } })).hint).toBe('all job records mirrored');
  });
});
