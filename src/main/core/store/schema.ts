import type Database from 'better-sqlite3';

/**
 * Forward-only migrations; `PRAGMA user_version` records how many have run.
 * Append new steps; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    owner TEXT NOT NULL,
    priority INTEGER NOT NULL,
    lane TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    run_at INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    prompt_tokens INTEGER NOT NULL,
    max_tokens INTEGER,
    input TEXT NOT NULL,
    metadata TEXT,
    result TEXT,
    error TEXT,
    usage TEXT,
    claimed_by TEXT
  );
  CREATE INDEX jobs_by_state ON jobs(state, seq);
  CREATE INDEX jobs_by_owner ON jobs(owner, seq);
  CREATE INDEX jobs_by_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;

  CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    max_priority INTEGER NOT NULL,
    requests_per_minute INTEGER,
    max_queued INTEGER,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  );

  CREATE TABLE service_stats (
    key TEXT PRIMARY KEY,
    value REAL NOT NULL,
    samples INTEGER NOT NULL
  );
  `,
  // Succeeded jobs (the bulk of a busy history) leave the state index: finishing a job no
  // longer inserts into it, which made every commit write more pages. Queries that use it
  // repeat the index's condition (SQLite only uses a partial index when they do).
  `
  DROP INDEX jobs_by_state;
  CREATE INDEX jobs_by_state_except_succeeded ON jobs(state, seq) WHERE state <> 'succeeded';
  `,
  // Inputs and results move to their own tables, keyed by the job's seq. SQLite rewrites a
  // whole row (overflow pages too) on every UPDATE, so a claim and a finish each copied the
  // prompt again: with 20 KB prompts that was 2.6x the WAL pages, and half the throughput.
  `
  CREATE TABLE job_inputs (seq INTEGER PRIMARY KEY, input TEXT NOT NULL);
  CREATE TABLE job_results (seq INTEGER PRIMARY KEY, result TEXT NOT NULL);
  INSERT INTO job_inputs (seq, input) SELECT seq, input FROM jobs;
  INSERT INTO job_results (seq, result) SELECT seq, result FROM jobs WHERE result IS NOT NULL;
  ALTER TABLE jobs DROP COLUMN input;
  ALTER TABLE jobs DROP COLUMN result;
  `,
  // The Neo4j mirror's outbox: one row per change of a job, written in the transaction of the
  // change (by triggers the mirror installs only when it is configured), deleted once Neo4j has
  // committed it. A row names the job; the syncer reads the job's state when it sends.
  `
  CREATE TABLE mirror_outbox (
    seq INTEGER PRIMARY KEY,
    job_seq INTEGER NOT NULL,
    progress_only INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL
  );
  CREATE INDEX mirror_outbox_by_job ON mirror_outbox(job_seq, seq);
  `,
  // Cron schedules (src/main/core/schedules). last_fire_at is the latest run time handled; it
  // changes in the transaction that inserts the run's job, so no time is handled twice. The
  // partial index serves a schedule's history (its jobs carry metadata.schedule).
  `
  CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    overlap TEXT NOT NULL,
    catch_up TEXT NOT NULL,
    job TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_fire_at INTEGER NOT NULL,
    last_run_at INTEGER,
    last_job_id TEXT,
    last_error TEXT,
    fired INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    missed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    manual INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX jobs_by_schedule ON jobs(json_extract(metadata, '$.schedule'), seq)
    WHERE json_extract(metadata, '$.schedule') IS NOT NULL;
  `,
  // A crash of LM Queue itself is counted apart from the job's attempts (it is not the job's
  // fault, but a job that takes the server down again and again must stop). Idempotency-Key
  // replays: a retried submission returns the first job. Settings that outlive a restart (the
  // admin's dispatch pause).
  `
  ALTER TABLE jobs ADD COLUMN crash_recoveries INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    job_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
  CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // OpenAI Files and Batches (src/main/core/batches). A file's bytes live under
  // <dataDir>/files/<id>; its row here. A batch points at its parent job; its OpenAI status is
  // kept here because validating, finalizing and expired are marks the job states do not have.
  // request_counts is frozen at the end, so a batch outlives its purged child jobs.
  `
  CREATE TABLE files (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    purpose TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX files_by_owner ON files(owner, seq);
  CREATE TABLE batches (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    input_file_id TEXT NOT NULL,
    completion_window TEXT NOT NULL,
    metadata TEXT,
    priority INTEGER NOT NULL,
    parent_job_id TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    sealed INTEGER NOT NULL DEFAULT 0,
    errors TEXT,
    request_counts TEXT,
    output_file_id TEXT,
    error_file_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    in_progress_at INTEGER,
    finalizing_at INTEGER,
    completed_at INTEGER,
    failed_at INTEGER,
    expired_at INTEGER,
    cancelling_at INTEGER,
    cancelled_at INTEGER
  );
  CREATE INDEX batches_by_owner ON batches(owner, seq);
  CREATE INDEX batches_unfinished ON batches(status)
    WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling');
  `,
  // Parent jobs (kind batch; index next) own child jobs. A child names its parent and its place
  // in it, unique, so adding children again after a crash adds none twice. job_parents holds
  // what only a parent has: whether every child is added (sealed), how it is ending while its
  // children are swept (canceled or failed, and why), and its children's counts once finished.
  // A parent's live counts are not stored: they are counted from its children at start.
  `
  ALTER TABLE jobs ADD COLUMN parent_id TEXT;
  ALTER TABLE jobs ADD COLUMN child_index INTEGER;
  CREATE UNIQUE INDEX jobs_by_parent ON jobs(parent_id, child_index) WHERE parent_id IS NOT NULL;
  CREATE TABLE job_parents (
    seq INTEGER PRIMARY KEY,
    sealed INTEGER NOT NULL DEFAULT 0,
    ending TEXT,
    ending_error TEXT,
    children TEXT
  );
  `,
  // Folder indexes (indexing/index-store.ts); each index's vectors are a sqlite-vec table of its
  // own, made when its first vector fixes the dimensions. IF NOT EXISTS: builds before this step
  // made these tables when the index store opened. AUTOINCREMENT: a chunk id is never used twice,
  // so an embedding answer that comes back after its chunk was replaced cannot land on the chunk
  // that took its place.
  `
  CREATE TABLE IF NOT EXISTS index_indexes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    embedding_model TEXT NOT NULL,
    chunk_tokens INTEGER NOT NULL,
    overlap_tokens INTEGER NOT NULL,
    include TEXT,
    owner TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_job_id TEXT,
    skipped TEXT NOT NULL DEFAULT '[]',
    dimensions INTEGER
  );
  CREATE TABLE IF NOT EXISTS index_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    index_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    UNIQUE (index_id, path)
  );
  CREATE TABLE IF NOT EXISTS index_chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    index_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS index_chunks_by_document ON index_chunks(document_id, embedded);
  CREATE INDEX IF NOT EXISTS index_chunks_by_index ON index_chunks(index_id, embedded);
  CREATE INDEX IF NOT EXISTS index_chunks_pending ON index_chunks(index_id, id) WHERE embedded = 0;
  `,
];

export interface MigrateOptions {
  /** Stop at this version (tests build an old database this way). */
  target?: number;
  /** Called before an existing database is upgraded: some steps rewrite the whole history. */
  onUpgrade?: (from: number, to: number) => void;
}

/** Runs the migrations not yet run. */
export function migrate(db: Database.Database, options: MigrateOptions = {}): void {
  const target = options.target ?? MIGRATIONS.length;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this LM Queue (${MIGRATIONS.length}); upgrade LM Queue`,
    );
  }
  if (current > 0 && current < target) options.onUpgrade?.(current, target);
  for (let version = current; version < target; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
