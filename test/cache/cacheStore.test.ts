import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { CacheStore } from '../../lib/cache/cacheStore';
import { CacheFileError } from '../../lib/cache/durableSqlite';

type FsOp = { op: 'write' | 'fsync' | 'ftruncate'; file: string };

/** Records the file operations the SQLite engine makes, by file name (it calls them on the shared fs module). */
function recordFsOps(): { ops: FsOp[]; restore: () => void } {
  const ops: FsOp[] = [];
  const fsm = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { writeSync: fsm.writeSync, fsyncSync: fsm.fsyncSync, ftruncateSync: fsm.ftruncateSync };
  const name = (fd: unknown): string => {
    try {
      return path.basename(fs.readlinkSync(`/proc/self/fd/${fd as number}`));
    } catch {
      return `fd${String(fd)}`;
    }
  };
  fsm.writeSync = (...args) => (ops.push({ op: 'write', file: name(args[0]) }), originals.writeSync(...args));
  fsm.fsyncSync = (...args) => (ops.push({ op: 'fsync', file: name(args[0]) }), originals.fsyncSync(...args));
  fsm.ftruncateSync = (...args) => (ops.push({ op: 'ftruncate', file: name(args[0]) }), originals.ftruncateSync(...args));
  return { ops, restore: () => Object.assign(fsm, originals) };
}

const message = (n: number, body = `{"payload":{"n":${n}}}`) => ({ body, measurement: 'pv', timeFrom: n, timeTo: n, storedAt: 1000 + n });

describe('cache store (SQLite file)', () => {
  let dir: string;
  let store: CacheStore | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-store-'));
  });
  afterEach(() => {
    store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has the message on disk when append returns: journal synced, database synced, then the commit synced', () => {
    store = CacheStore.open(path.join(dir, 'c.sqlite'));
    const rec = recordFsOps();
    try {
      store.append(message(1));
    } finally {
      rec.restore();
    }
    const seq = rec.ops.map((o) => `${o.op} ${o.file}`);
    const last = (s: string): number => seq.lastIndexOf(s);
    const first = (s: string): number => seq.indexOf(s);
    assert.ok(first('fsync c.sqlite-journal') >= 0, `journal never synced: ${seq.join(', ')}`);
    assert.ok(first('fsync c.sqlite-journal') < first('write c.sqlite'), 'the database was written before its journal was synced');
    assert.ok(last('write c.sqlite') < last('fsync c.sqlite'), 'the database was not synced after its last write');
    assert.ok(last('fsync c.sqlite') < last('ftruncate c.sqlite-journal'), 'commit before the database was synced');
    assert.equal(seq[seq.length - 1], 'fsync c.sqlite-journal', `the commit (journal truncation) was not synced last: ${seq.join(', ')}`);
  });

  it('keeps every state across a reopen, leaves no transaction open, and never reuses an id', () => {
    const file = path.join(dir, 'c.sqlite');
    store = CacheStore.open(file);
    // The engine holds its lock directory exactly while a transaction is open.
    const settled = (what: string): void => assert.equal(fs.existsSync(`${file}.lock`), false, `${what} left a transaction open`);
    const ids = [1, 2, 3, 4].map((n) => store!.append(message(n)));
    settled('append');
    assert.equal(store.markDelivered(ids[0], 5000), true);
    assert.equal(store.markDelivered(ids[0], 5001), false, 'a second acknowledgement changes nothing');
    settled('markDelivered');
    assert.equal(store.recordFailure(ids[1], 'ECONNREFUSED'), 1);
    assert.equal(store.recordFailure(ids[1], 'ECONNREFUSED'), 2);
    assert.equal(store.recordFailure(ids[0], 'late'), undefined, 'a delivered message records no failure');
    settled('recordFailure');
    assert.equal(store.reject(ids[2]), true);
    assert.equal(store.isPending(ids[1]), true);
    assert.equal(store.oldestPendingStoredAt(), 1002);
    store.oldestPending(1);
    store.pendingAfterId(0, 1);
    store.rowsInRange(0, 10, 'pv', 1);
    store.usedBytes();
    settled('reads');
    // A copy of the file as it is now, as a power cut would leave it: the failures are committed.
    fs.copyFileSync(file, path.join(dir, 'copy.sqlite'));
    const copy = CacheStore.open(path.join(dir, 'copy.sqlite'));
    assert.equal(copy.oldestPending(1)[0].attempts, 2);
    copy.close();
    store.close();

    store = CacheStore.open(file);
    assert.deepEqual(store.getCounts(), { pending: 2, delivered: 1, rejected: 1 });
    assert.deepEqual(
      store.oldestPending(10).map((m) => [m.id, m.attempts]),
      [
        [ids[1], 2],
        [ids[3], 0],
      ],
    );
    assert.equal(store.deleteOldestSettled(10), 2);
    store.dropOldestPending(10);
    assert.deepEqual(store.getCounts(), { pending: 0, delivered: 0, rejected: 0 });
    const next = store.append(message(5));
    assert.ok(next > ids[3], `id ${next} reused after deletes`);
  });

  it('refuses a second open of one file in one process', () => {
    const file = path.join(dir, 'c.sqlite');
    store = CacheStore.open(file);
    assert.throws(() => CacheStore.open(file), (err: unknown) => err instanceof CacheFileError && /already open in this process/.test(err.message));
  });

  it('removes the lock a process killed inside a transaction leaves, and rolls its write back', () => {
    const file = path.join(dir, 'c.sqlite');
    store = CacheStore.open(file);
    store.append(message(1));
    store.close();
    store = undefined;
    // What a SIGKILL between the journal and the commit leaves: the lock directory and a hot journal.
    const db = new Database(file);
    db.exec('PRAGMA journal_mode = TRUNCATE');
    db.exec('BEGIN IMMEDIATE');
    db.run("INSERT INTO messages (state, stored_ms, time_from, time_to, bytes, body) VALUES (0, 1, 1, 1, 2, '{}')");
    db.exec('PRAGMA cache_size = 1'); // small cache: the pages go to the file before the commit
    for (let i = 0; i < 200; i++) db.run("INSERT INTO messages (state, stored_ms, time_from, time_to, bytes, body) VALUES (0, 1, 1, 1, 2, ?)", ['x'.repeat(4000)]);
    const journalSize = fs.statSync(`${file}-journal`).size;
    assert.ok(fs.existsSync(`${file}.lock`), 'the engine locks with a directory');
    assert.ok(journalSize > 0, 'hot journal expected');
    // Abandon the handle without closing it, as a killed process would.
    fs.cpSync(dir, `${dir}-killed`, { recursive: true });
    db.exec('ROLLBACK');
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(`${dir}-killed`, dir);

    store = CacheStore.open(file);
    assert.equal(store.recoveredFromCrash, true);
    assert.deepEqual(store.getCounts(), { pending: 1, delivered: 0, rejected: 0 }, 'the unfinished transaction is rolled back');
    assert.equal(store.oldestPending(1)[0].body, '{"payload":{"n":1}}');
    store.append(message(2));
    assert.equal(store.getCounts().pending, 2);
  });

  it('deletes delivered and rejected messages past retention, never pending ones', () => {
    store = CacheStore.open(path.join(dir, 'c.sqlite'));
    const ids = [10, 20, 30, 40].map((n) => store!.append(message(n)));
    store.markDelivered(ids[0], 1);
    store.reject(ids[1]);
    store.markDelivered(ids[3], 1);
    // ids[2] (time 30) stays pending although it is older than the cut
    assert.equal(store.deleteSettledBefore(35), 2);
    assert.deepEqual(store.getCounts(), { pending: 1, delivered: 1, rejected: 0 });
  });

  it('finds messages by time range and measurement', () => {
    store = CacheStore.open(path.join(dir, 'c.sqlite'));
    store.append(message(100));
    store.append({ ...message(200), measurement: 'system' });
    store.append({ ...message(300), measurement: null, timeFrom: 250, timeTo: 300 });
    store.append(message(400));
    assert.deepEqual(
      store.rowsInRange(150, 350, undefined, 10).map((r) => r.storedAt),
      [1200, 1300],
    );
    assert.deepEqual(
      store.rowsInRange(0, 1000, 'pv', 10).map((r) => r.storedAt),
      [1100, 1300, 1400],
      'a message with several measurements (null) is a candidate for any',
    );
    assert.deepEqual(store.rowsInRange(0, 1000, 'pv', 2).length, 2);
  });
});
