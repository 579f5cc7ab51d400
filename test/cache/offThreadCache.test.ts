import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CacheSettings } from '../../lib/cache/cacheSettings';
import { CacheNotOpenError, OffThreadCache } from '../../lib/cache/offThreadCache';
import type { QueriedPoint } from '../../lib/cache/storeAndForward';

const DYING_WORKER = path.join(__dirname, 'dyingCacheWorker.js');

const until = async (cond: () => boolean, what: string, ms = 10000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the cache with its file in a worker thread', function () {
  this.timeout(20000);
  let dir: string;
  let settings: CacheSettings;
  const open: OffThreadCache[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-thread-'));
    settings = { file: path.join(dir, 'c.sqlite'), retentionDays: 30, maxMB: 100, resendRate: 1000, batchSize: 1000, retryIntervalS: 1, ackTimeoutS: 60, rejectAfter: 0, stampTime: true };
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A cache whose outputs are recorded. */
  const start = (workerScript?: string) => {
    const out = { resent: [] as Record<string, unknown>[], warnings: [] as string[], failures: [] as string[] };
    const cache = new OffThreadCache('c1', settings, {
      resend: (m) => out.resent.push(m),
      warn: (t) => out.warnings.push(t),
      changed: () => undefined,
      failed: (err) => out.failures.push(err.message),
    }, { workerScript });
    open.push(cache);
    return { cache, ...out };
  };

  it('carries Buffers and Dates across the thread boundary exactly, both ways', async () => {
    const { cache, resent } = start();
    const when = new Date(Date.UTC(2026, 11, 3, 12));
    const msg: Record<string, unknown> = { measurement: 'raw', payload: { frame: Buffer.from([0x01, 0x03, 0xff]), time: when } };
    const { id, forward } = await cache.put(msg);
    assert.equal(forward, true);
    assert.equal(msg._cacheId, `c1:${id}`);
    const r = await cache.query({ from: when.getTime() - 1, to: when.getTime() + 1, limit: 10 });
    assert.equal(r.points.length, 1);
    const fields = (r.points as QueriedPoint[])[0].fields;
    assert.ok(Buffer.isBuffer(fields.frame), 'a Buffer, not the Uint8Array structured clone makes of it');
    assert.deepEqual([...(fields.frame as Buffer)], [0x01, 0x03, 0xff]);
    // failed: re-sent by the worker's probe half a second later, as it was stored
    await cache.fail(id, 'connect ECONNREFUSED');
    await until(() => resent.length === 1, 'the probe');
    const again = resent[0].payload as { frame: unknown; time: unknown };
    assert.ok(Buffer.isBuffer(again.frame) && again.frame.equals(Buffer.from([0x01, 0x03, 0xff])));
    assert.ok(again.time instanceof Date && again.time.getTime() === when.getTime());
    assert.equal(resent[0]._cacheId, `c1:${id}`);
  });

  it('refuses a second cache on the same file in this process, and frees it once closed', async () => {
    const { cache } = start();
    assert.throws(() => new OffThreadCache('c2', settings, { resend: () => undefined, warn: () => undefined, changed: () => undefined, failed: () => undefined }), /is already open in this process/);
    await cache.close();
    open.length = 0;
    await assert.rejects(cache.put({ payload: 1 }), (err: Error) => err instanceof CacheNotOpenError && /closed/.test(err.message));
    const again = start();
    assert.equal((await again.cache.put({ payload: 2 })).id, 1);
  });

  it('starts a worker that died again on the same file: calls made meanwhile are answered, and what was pending is re-sent', async () => {
    const { cache, resent, failures } = start(DYING_WORKER);
    const ids: number[] = [];
    for (let n = 1; n <= 3; n++) ids.push((await cache.put({ payload: { n } })).id);
    ids.push((await cache.put({ payload: { n: 4, die: true } })).id); // committed, then the thread dies
    await until(() => failures.length > 0, 'the death reported');
    assert.match(failures[0], /the cache's worker stopped \(simulated crash of the cache worker\); starting it again in 1 s/);
    const fifth = await cache.put({ payload: { n: 5 } }); // waits for the new worker
    assert.equal(fifth.id, 5);
    const s = await cache.stats();
    assert.equal(s.pending, 5, 'nothing committed was lost');
    // none was acknowledged: the new worker drains them, oldest first, two in flight (5 went out live)
    let acked = 0;
    await until(() => {
      while (acked < resent.length) void cache.acknowledge(String(resent[acked++]._cacheId).split(':')[1]);
      return resent.length >= 4;
    }, 'the backlog re-sent');
    assert.deepEqual(resent.map((m) => (m.payload as { n: number }).n).slice(0, 4), [1, 2, 3, 4]);
    assert.equal(failures.length, 1, failures.join('\n'));
  });

  it('closes while waiting to start a dead worker again: calls refused, the file free for the next cache', async () => {
    const { cache, failures } = start(DYING_WORKER);
    await cache.put({ payload: { n: 1, die: true } });
    await until(() => failures.length > 0, 'the death reported');
    const late = cache.put({ payload: { n: 2 } });
    await cache.close();
    open.length = 0;
    await assert.rejects(late, CacheNotOpenError);
    const next = start();
    assert.equal((await next.cache.stats()).pending, 1, 'the committed message is there for the next cache');
  });
});
