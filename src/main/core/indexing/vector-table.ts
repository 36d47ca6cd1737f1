/**
 * The vectors of one index: a sqlite-vec `vec0` table, `index_vectors_<index id>`, whose rowid is
 * the chunk's id. It is made when the index's first vector fixes its dimensions, and dropped
 * with the index (or when a new embedding model means every vector goes).
 *
 * Why vec0 rather than float32 BLOBs scanned in JavaScript: a search reads every vector of the
 * index either way. better-sqlite3 hands each BLOB row over as its own Buffer, and at 100k
 * chunks of 768 dimensions copying them out cost more than the whole 100 ms budget. vec0 keeps
 * a thousand vectors in one BLOB and scans them in C, which is well inside it once the file is
 * memory-mapped (see IndexStore).
 */
import type Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

const loaded = new WeakSet<Database.Database>();

/** Loads sqlite-vec into this connection, once; throws saying so if it cannot be loaded. */
export function loadVectorExtension(db: Database.Database): void {
  if (loaded.has(db)) return;
  let where = 'its platform package (sqlite-vec-<os>-<arch>)';
  try {
    where = sqliteVec.getLoadablePath();
    sqliteVec.load(db);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`indexes need the sqlite-vec SQLite extension, which did not load from ${where}: ${cause}`, { cause: error });
  }
  loaded.add(db);
}

/** A vector of unit length as float32, or an Error saying why it cannot be one. */
export function unitVector(values: Float32Array | readonly number[]): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm)) throw new Error('a vector with a value that is not a finite number cannot be stored or searched');
  if (norm === 0) throw new Error('a vector of zeros has no direction: it cannot be stored or searched');
  const unit = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) unit[i] = values[i]! / norm;
  return unit;
}

const blob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

export interface Neighbour {
  chunkId: number;
  /** Cosine similarity. */
  score: number;
}

/** Prepared statements over one index's vec0 table (prepared once per table and connection). */
export class VectorTable {
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly nearest: Database.Statement<[Buffer, number], { rowid: number; distance: number }>;

  static tableName(indexId: number): string {
    if (!Number.isSafeInteger(indexId) || indexId < 1) throw new Error(`not an index id: ${indexId}`);
    return `index_vectors_${indexId}`;
  }

  static create(db: Database.Database, indexId: number, dimensions: number): void {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${VectorTable.tableName(indexId)} USING vec0(embedding float[${dimensions}] distance_metric=cosine)`);
  }

  static drop(db: Database.Database, indexId: number): void {
    db.exec(`DROP TABLE IF EXISTS ${VectorTable.tableName(indexId)}`);
  }

  constructor(db: Database.Database, indexId: number) {
    const table = VectorTable.tableName(indexId);
    // vec0 takes only integer rowids: they are bound as BigInt (a JS number binds as a REAL).
    this.insert = db.prepare(`INSERT INTO ${table} (rowid, embedding) VALUES (?, ?)`);
    this.update = db.prepare(`UPDATE ${table} SET embedding = ? WHERE rowid = ?`);
    this.remove = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
    this.nearest = db.prepare(`SELECT rowid, distance FROM ${table} WHERE embedding MATCH ? AND k = ? ORDER BY distance`);
  }

  /** `replace`: the chunk has a vector already (a child's answer read again after a restart). */
  put(chunkId: number, vector: Float32Array, replace: boolean): void {
    if (replace) this.update.run(blob(vector), BigInt(chunkId));
    else this.insert.run(BigInt(chunkId), blob(vector));
  }

  delete(chunkId: number): void {
    this.remove.run(BigInt(chunkId));
  }

  /** The k nearest, nearest first. */
  search(query: Float32Array, k: number): Neighbour[] {
    // Cosine distance is 1 - similarity; clamped against float rounding at the ends.
    return this.nearest.all(blob(query), k).map((row) => ({ chunkId: Number(row.rowid), score: Math.max(-1, Math.min(1, 1 - row.distance)) }));
  }
}
