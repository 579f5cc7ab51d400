import fs from 'node:fs';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';

/**
 * Opens an SQLite file with node-sqlite3-wasm so that a committed transaction is on the disk
 * when the call returns (docs/cache.md, "Why this SQLite engine").
 *
 * - journal_mode TRUNCATE + synchronous FULL: the engine's VFS fsyncs the journal, then the
 *   database, then the truncated journal; the commit point is that last fsync. (WAL needs
 *   shared memory, which the WASM VFS does not have.)
 * - The VFS never fsyncs the directory, so a file it creates could vanish in a power cut. The
 *   journal is kept (TRUNCATE), so fsyncing the directory once after the first write makes both
 *   names durable for good.
 * - The VFS locks with a `<file>.lock` directory. A process killed inside a transaction leaves
 *   it behind, and SQLite would then treat the hot journal as someone else's and refuse to
 *   open. One file belongs to one cache in one process (checked below), so a lock found at open
 *   is stale and is removed.
 */

const openFiles = new Set<string>();

export class CacheFileError extends Error {
  override readonly name = 'CacheFileError';
}

export interface DurableDatabase {
  readonly db: Database;
  readonly file: string;
  /** true when a lock left by a crash was removed while opening */
  readonly removedStaleLock: boolean;
  close(): void;
}

/**
 * `setup` runs in the first transaction (idempotent DDL and migrations); it must end by
 * writing something (e.g. `PRAGMA user_version = n`) so the journal file exists before the
 * directory is synced.
 */
export function openDurableDatabase(file: string, setup: (db: Database) => void): DurableDatabase {
  const resolved = path.resolve(file);
  const release = claimCacheFile(resolved);
  try {
    return openClaimed(resolved, setup, release);
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Claims a cache file for one cache in this thread: throws CacheFileError when it is claimed
 * already; the function returned gives it back. Each worker thread has its own copy of this
 * module, so a cache whose file a worker opens (OffThreadCache) is claimed on the main thread,
 * where every cache node of the process is created, until that worker has exited.
 */
export function claimCacheFile(file: string): () => void {
  const resolved = path.resolve(file);
  if (openFiles.has(resolved)) throw new CacheFileError(`cache file ${resolved} is already open in this process (two cache nodes with one file?)`);
  openFiles.add(resolved);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openFiles.delete(resolved);
  };
}

function openClaimed(resolved: string, setup: (db: Database) => void, release: () => void): DurableDatabase {
  const dir = path.dirname(resolved);
  const lockDir = `${resolved}.lock`;
  let removedStaleLock: boolean;
  try {
    fs.mkdirSync(dir, { recursive: true });
    removedStaleLock = fs.existsSync(lockDir);
    if (removedStaleLock) fs.rmSync(lockDir, { recursive: true, force: true });
  } catch (err) {
    throw new CacheFileError(`cannot open cache file ${resolved}: ${(err as Error).message}`);
  }

  let db: Database;
  try {
    db = new Database(resolved);
  } catch (err) {
    throw new CacheFileError(`cannot open cache file ${resolved}: ${(err as Error).message}`);
  }
  try {
    // auto_vacuum only takes effect before the first table exists; later it is a no-op.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    const mode = db.get('PRAGMA journal_mode = TRUNCATE') as { journal_mode?: string } | null;
    if (mode?.journal_mode !== 'truncate') throw new CacheFileError(`cache file ${resolved}: journal mode stays ${mode?.journal_mode}`);
    db.exec('PRAGMA synchronous = FULL');
    db.exec('BEGIN IMMEDIATE');
    try {
      setup(db);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    if (!fs.existsSync(`${resolved}-journal`)) throw new CacheFileError(`cache file ${resolved}: setup wrote nothing, the journal was not created`);
    fsyncDirectory(dir);
  } catch (err) {
    db.close();
    throw err instanceof CacheFileError ? err : new CacheFileError(`cannot prepare cache file ${resolved}: ${(err as Error).message}`);
  }
  return {
    db,
    file: resolved,
    removedStaleLock,
    close(): void {
      release();
      if (db.isOpen) db.close();
    },
  };
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
