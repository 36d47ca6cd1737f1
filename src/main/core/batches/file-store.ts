/**
 * OpenAI Files: the bytes under one folder, named by id (never by anything a caller sent), the
 * metadata in SQLite. Content is streamed in and out; a file is never held whole in memory.
 * A file appears only once complete: it is written under a temporary name, then renamed.
 */
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LmqError } from '../../../shared/errors';

export const FILE_PURPOSES = ['batch', 'batch_output'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

export interface FileRecord {
  id: string;
  owner: string;
  filename: string;
  purpose: FilePurpose;
  bytes: number;
  createdAt: number;
}

interface FileRow {
  id: string;
  owner: string;
  filename: string;
  purpose: FilePurpose;
  bytes: number;
  created_at: number;
}

export interface FileListQuery {
  /** Only this owner's files; undefined: everyone's. */
  owner?: string;
  purpose?: string;
  /** A file id: the page starts after it (in the listing's order). */
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

/** Bytes received but not yet a file: commit or discard it. */
export interface Upload {
  readonly tempPath: string;
  readonly bytes: number;
}

const ID_PATTERN = /^file-[0-9a-f]{24}$/;
const TEMP_PREFIX = '.part-';

export function newFileId(): string {
  return `file-${randomBytes(12).toString('hex')}`;
}

function toRecord(row: FileRow): FileRecord {
  return { id: row.id, owner: row.owner, filename: row.filename, purpose: row.purpose, bytes: row.bytes, createdAt: row.created_at };
}

export class FileStore {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    /** The folder the bytes live in; created if missing. */
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.statements = {
      insert: db.prepare<[FileRow]>(
        'INSERT OR REPLACE INTO files (id, owner, filename, purpose, bytes, created_at) VALUES (@id, @owner, @filename, @purpose, @bytes, @created_at)',
      ),
      get: db.prepare<[string], FileRow>('SELECT id, owner, filename, purpose, bytes, created_at FROM files WHERE id = ?'),
      seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM files WHERE id = ?'),
      remove: db.prepare<[string]>('DELETE FROM files WHERE id = ?'),
      allIds: db.prepare<[], { id: string }>('SELECT id FROM files'),
    };
    this.removeLeftovers();
  }

  /** Where a file's bytes are: only ids we made reach the file system. */
  private pathOf(id: string): string {
    if (!ID_PATTERN.test(id)) throw new LmqError('not_found', `no file with id ${id}`);
    return join(this.dir, id);
  }

  /** Uploads a killed process left half-written, and bytes whose row never committed. */
  private removeLeftovers(): void {
    const known = new Set(this.statements.allIds.all().map((row) => row.id));
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith(TEMP_PREFIX) || (ID_PATTERN.test(name) && !known.has(name))) rmSync(join(this.dir, name), { force: true });
    }
  }

  /**
   * Streams `source` to a temporary file. Throws LmqError payload_too_large past `maxBytes`
   * (and removes what was written).
   */
  async receive(source: Readable, maxBytes: number): Promise<Upload> {
    const tempPath = join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let bytes = 0;
    const counter = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new LmqError('payload_too_large', `the file is larger than the ${maxBytes}-byte limit`);
        yield chunk;
      }
    };
    try {
      await pipeline(source, counter, createWriteStream(tempPath));
    } catch (error) {
      rmSync(tempPath, { force: true });
      throw error;
    }
    return { tempPath, bytes };
  }

  discard(upload: Upload): void {
    rmSync(upload.tempPath, { force: true });
  }

  /** Makes the upload a file: renamed into place, then its row written. */
  commit(upload: Upload, meta: { owner: string; filename: string; purpose: FilePurpose; createdAt: number; id?: string }): FileRecord {
    const id = meta.id ?? newFileId();
    renameSync(upload.tempPath, this.pathOf(id));
    const row: FileRow = { id, owner: meta.owner, filename: meta.filename, purpose: meta.purpose, bytes: upload.bytes, created_at: meta.createdAt };
    this.statements.insert.run(row);
    return toRecord(row);
  }

  /** A temporary path to write a file of our own into (batch output); pass it to `commit`. */
  tempFile(): string {
    return join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  }

  /** The upload for a temporary file written through `tempFile`. */
  written(tempPath: string): Upload {
    return { tempPath, bytes: statSync(tempPath).size };
  }

  get(id: string): FileRecord | null {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : null;
  }

  list(query: FileListQuery): { files: FileRecord[]; hasMore: boolean } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.owner !== undefined) {
      where.push('owner = ?');
      params.push(query.owner);
    }
    if (query.purpose !== undefined) {
      where.push('purpose = ?');
      params.push(query.purpose);
    }
    if (query.after !== undefined) {
      const after = this.statements.seqOf.get(query.after);
      if (!after) throw new LmqError('bad_request', `after: no file with id ${query.after}`);
      where.push(query.order === 'desc' ? 'seq < ?' : 'seq > ?');
      params.push(after.seq);
    }
    const sql =
      'SELECT id, owner, filename, purpose, bytes, created_at FROM files' +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY seq ${query.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare<unknown[], FileRow>(sql).all(...params, query.limit + 1);
    return { files: rows.slice(0, query.limit).map(toRecord), hasMore: rows.length > query.limit };
  }

  /** The file's bytes, streamed from disk. */
  open(id: string): ReadStream {
    return createReadStream(this.pathOf(id));
  }

  /** The path of a file's bytes, for readers inside the engine (batch validation). */
  contentPath(id: string): string {
    return this.pathOf(id);
  }

  /** Removes the row; call `removeBytes` once that is on disk (a crash between leaves bytes the next start removes). */
  forget(id: string): void {
    this.statements.remove.run(id);
  }

  removeBytes(id: string): void {
    rmSync(this.pathOf(id), { force: true });
  }
}
