import type { Database, Statement } from 'node-sqlite3-wasm';
import { applySchema, State } from './cacheSchema';
import { openDurableDatabase, type DurableDatabase } from './durableSqlite';

/** One message as stored: its encoded body and where it stands. */
export interface StoredMessage {
  id: number;
  body: string;
  attempts: number;
  storedAt: number;
}

export interface NewMessage {
  body: string;
  measurement: string | null;
  timeFrom: number;
  timeTo: number;
  storedAt: number;
}

export interface StoreCounts {
  pending: number;
  delivered: number;
  rejected: number;
}

export interface StoredRow {
  id: number;
  state: number;
  body: string;
  storedAt: number;
}

/**
 * The cache file: every change is its own committed (fsynced) transaction, so what a method
 * returns is what a restart finds. The store is the file's only writer, so it keeps the counts
 * in memory instead of counting rows for every status update.
 */
export class CacheStore {
  private readonly statements: Prepared[] = [];
  private readonly insert: Prepared;
  private readonly deliver: Prepared;
  private readonly failure: Prepared;
  private readonly rejectOne: Prepared;
  private readonly pendingAfter: Prepared;
  private readonly pendingHead: Prepared;
  private readonly stateOf: Prepared;
  private readonly oldestStored: Prepared;
  private counts: StoreCounts;
  private maxSpan: number;

  static open(file: string): CacheStore {
    return new CacheStore(openDurableDatabase(file, applySchema));
  }

  private constructor(private readonly file: DurableDatabase) {
    const db = this.db;
    this.insert = this.prepare(
      'INSERT INTO messages (state, stored_ms, time_from, time_to, measurement, bytes, body) VALUES (0, ?, ?, ?, ?, ?, ?)',
    );
    this.deliver = this.prepare('UPDATE messages SET state = 1, delivered_ms = ? WHERE id = ? AND state = 0');
    this.failure = this.prepare('UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 0 RETURNING attempts');
    this.rejectOne = this.prepare('UPDATE messages SET state = 2 WHERE id = ? AND state = 0');
    this.pendingAfter = this.prepare('SELECT id, body, attempts, stored_ms FROM messages WHERE state = 0 AND id > ? ORDER BY id LIMIT ?');
    this.pendingHead = this.prepare('SELECT id, body, attempts, stored_ms FROM messages WHERE state = 0 ORDER BY id LIMIT ?');
    this.stateOf = this.prepare('SELECT state FROM messages WHERE id = ?');
    this.oldestStored = this.prepare('SELECT stored_ms FROM messages WHERE state = 0 ORDER BY id LIMIT 1');
    this.counts = { pending: 0, delivered: 0, rejected: 0 };
    for (const row of db.all('SELECT state, count(*) AS n FROM messages GROUP BY state') as { state: number; n: number }[]) {
      if (row.state === State.Pending) this.counts.pending = Number(row.n);
      if (row.state === State.Delivered) this.counts.delivered = Number(row.n);
      if (row.state === State.Rejected) this.counts.rejected = Number(row.n);
    }
    const span = db.get('SELECT max(time_to - time_from) AS span FROM messages') as { span: number | null } | null;
    this.maxSpan = Number(span?.span ?? 0);
  }

  get path(): string {
    return this.file.file;
  }

  /** true when opening found and removed a lock left by a process that died in a transaction */
  get recoveredFromCrash(): boolean {
    return this.file.removedStaleLock;
  }

  private get db(): Database {
    return this.file.db;
  }

  private prepare(sql: string): Prepared {
    const s = new Prepared(this.db, sql);
    this.statements.push(s);
    return s;
  }

  /** Stores a message as pending; on return it is on the disk. */
  append(m: NewMessage): number {
    const r = this.insert.run([m.storedAt, m.timeFrom, m.timeTo, m.measurement, Buffer.byteLength(m.body), m.body]);
    this.counts.pending++;
    this.maxSpan = Math.max(this.maxSpan, m.timeTo - m.timeFrom);
    return Number(r.lastInsertRowid);
  }

  /** Marks a pending message delivered; false when it was not pending (already acknowledged, gone). */
  markDelivered(id: number, at: number): boolean {
    const changed = this.deliver.run([at, id]).changes > 0;
    if (changed) {
      this.counts.pending--;
      this.counts.delivered++;
    }
    return changed;
  }

  /**
   * Marks many pending messages delivered in one transaction (one fsync for a whole batch);
   * the number that were still pending.
   */
  markDeliveredMany(ids: readonly number[], at: number): number {
    if (ids.length === 1) return this.markDelivered(ids[0], at) ? 1 : 0;
    let changed = 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const id of ids) changed += this.deliver.run([at, id]).changes > 0 ? 1 : 0;
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    this.counts.pending -= changed;
    this.counts.delivered += changed;
    return changed;
  }

  /** Counts a failed delivery; the attempts so far, or undefined when the message is not pending. */
  recordFailure(id: number, error: string): number | undefined {
    const row = first(this.failure.all([error.slice(0, 500), id])) as { attempts: number } | undefined;
    return row ? Number(row.attempts) : undefined;
  }

  /** Sets a pending message aside: kept, counted, never sent again. */
  reject(id: number): boolean {
    const changed = this.rejectOne.run([id]).changes > 0;
    if (changed) {
      this.counts.pending--;
      this.counts.rejected++;
    }
    return changed;
  }

  isPending(id: number): boolean {
    const row = first(this.stateOf.all([id])) as { state: number } | undefined;
    return row !== undefined && Number(row.state) === State.Pending;
  }

  /** Pending messages in id (arrival) order after `afterId`. */
  pendingAfterId(afterId: number, limit: number): StoredMessage[] {
    return (this.pendingAfter.all([afterId, limit]) as Record<string, unknown>[]).map(toStored);
  }

  /** The oldest pending messages. */
  oldestPending(limit: number): StoredMessage[] {
    return (this.pendingHead.all([limit]) as Record<string, unknown>[]).map(toStored);
  }

  /** When the oldest pending message was stored (ms since epoch), undefined when none waits. */
  oldestPendingStoredAt(): number | undefined {
    const row = first(this.oldestStored.all()) as { stored_ms: number } | undefined;
    return row ? Number(row.stored_ms) : undefined;
  }

  getCounts(): StoreCounts {
    return { ...this.counts };
  }

  /** Bytes in use by the file's live pages (freed pages are reused first, then given back). */
  usedBytes(): number {
    const n = (sql: string): number => Number(Object.values(this.db.get(sql) ?? { v: 0 })[0]);
    return (n('PRAGMA page_count') - n('PRAGMA freelist_count')) * n('PRAGMA page_size');
  }

  fileBytes(): number {
    const n = (sql: string): number => Number(Object.values(this.db.get(sql) ?? { v: 0 })[0]);
    return n('PRAGMA page_count') * n('PRAGMA page_size');
  }

  /** Deletes delivered and rejected messages whose newest point is older than `before` (ms). */
  deleteSettledBefore(before: number): number {
    return this.deleteWhere('state <> 0 AND time_to < ?', [before]);
  }

  /** Deletes up to `limit` of the oldest delivered or rejected messages. */
  deleteOldestSettled(limit: number): number {
    return this.deleteWhere('id IN (SELECT id FROM messages WHERE state <> 0 ORDER BY id LIMIT ?)', [limit]);
  }

  /** Drops up to `limit` of the oldest pending messages; the count and the oldest's stored time. */
  dropOldestPending(limit: number): { dropped: number; oldestStoredAt?: number } {
    const first = this.oldestPending(1)[0];
    const dropped = this.deleteWhere('id IN (SELECT id FROM messages WHERE state = 0 ORDER BY id LIMIT ?)', [limit]);
    return { dropped, oldestStoredAt: first?.storedAt };
  }

  /** Gives freed pages back to the file system (auto_vacuum = INCREMENTAL). */
  releaseFreePages(): void {
    this.db.exec('PRAGMA incremental_vacuum');
  }

  /** Rows whose points may lie in [from, to], oldest point first. */
  rowsInRange(from: number, to: number, measurement: string | undefined, limit: number): StoredRow[] {
    const params: (number | string)[] = [from - this.maxSpan, to, from];
    let sql = 'SELECT id, state, body, stored_ms FROM messages WHERE time_from >= ? AND time_from <= ? AND time_to >= ?';
    if (measurement !== undefined) {
      sql += ' AND (measurement = ? OR measurement IS NULL)';
      params.push(measurement);
    }
    sql += ' ORDER BY time_from, id LIMIT ?';
    params.push(limit);
    return (this.db.all(sql, params) as Record<string, unknown>[]).map((r) => ({
      id: Number(r.id),
      state: Number(r.state),
      body: String(r.body),
      storedAt: Number(r.stored_ms),
    }));
  }

  close(): void {
    for (const s of this.statements) s.finalize();
    this.file.close();
  }

  private deleteWhere(where: string, params: (number | string)[]): number {
    const before = this.db.all(`SELECT state, count(*) AS n FROM messages WHERE ${where} GROUP BY state`, params) as { state: number; n: number }[];
    if (before.length === 0) return 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.run(`DELETE FROM messages WHERE ${where}`, params);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    let total = 0;
    for (const row of before) {
      const n = Number(row.n);
      total += n;
      if (row.state === State.Pending) this.counts.pending -= n;
      if (row.state === State.Delivered) this.counts.delivered -= n;
      if (row.state === State.Rejected) this.counts.rejected -= n;
    }
    return total;
  }
}

type Values = (number | string | null)[];

/**
 * A prepared statement that stays usable after an error (the file locked by another program, the
 * disk full): node-sqlite3-wasm resets a statement before binding and refuses when the reset
 * reports the failed step's code ("Could not reset statement"), so a statement that failed is
 * finalized and prepared anew before its next use.
 */
class Prepared {
  private statement: Statement | undefined;

  constructor(
    private readonly db: Database,
    private readonly sql: string,
  ) {
    this.statement = db.prepare(sql);
  }

  run(values: Values): { changes: number; lastInsertRowid: number | bigint } {
    return this.use((s) => s.run(values));
  }

  all(values: Values = []): Record<string, unknown>[] {
    return this.use((s) => s.all(values) as Record<string, unknown>[]);
  }

  finalize(): void {
    this.discard();
  }

  private use<T>(f: (s: Statement) => T): T {
    this.statement ??= this.db.prepare(this.sql);
    try {
      return f(this.statement);
    } catch (err) {
      this.discard();
      throw err;
    }
  }

  private discard(): void {
    const s = this.statement;
    this.statement = undefined;
    try {
      if (s && !s.isFinalized) s.finalize();
    } catch {
      // finalize repeats the failed step's error; the statement is gone all the same
    }
  }
}

/**
 * First row of a fully stepped statement. Never Statement.get(): node-sqlite3-wasm leaves the
 * statement unfinished after the first row, which keeps its transaction (and the file lock)
 * open, and an UPDATE … RETURNING uncommitted.
 */
function first<T>(rows: T[]): T | undefined {
  return rows[0];
}

function toStored(r: Record<string, unknown>): StoredMessage {
  return { id: Number(r.id), body: String(r.body), attempts: Number(r.attempts), storedAt: Number(r.stored_ms) };
}
