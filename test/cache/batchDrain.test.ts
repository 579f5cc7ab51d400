import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CacheSettings } from '../../lib/cache/cacheSettings';
import { CacheStore } from '../../lib/cache/cacheStore';
import { composeBatches, resendFormFor, type ResendForm } from '../../lib/cache/resendForm';
import { StoreAndForward } from '../../lib/cache/storeAndForward';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';

const OWNER = 'c1';
const T0 = Date.UTC(2026, 11, 1, 12);

describe('pv-cache backlog forms', () => {
  it('chooses the form from the node wired to output 1', () => {
    assert.equal(resendFormFor([{ type: 'influxdb batch' }]), 'influxdb-batch');
    assert.equal(resendFormFor([{ type: 'influxdb out' }, { type: 'influxdb out' }]), 'influxdb-out');
    assert.equal(resendFormFor([{ type: 'mongodb out', operation: 'insert', payonly: true }]), 'mongodb-insert');
    // store upserts one document by _id, and a whole-msg insert cannot carry many: one by one
    assert.equal(resendFormFor([{ type: 'mongodb out', operation: 'store', payonly: true }]), 'single');
    assert.equal(resendFormFor([{ type: 'mongodb out', operation: 'insert', payonly: false }]), 'single');
    assert.equal(resendFormFor([{ type: 'influxdb out' }, { type: 'debug' }]), 'single', 'nodes that differ: one by one');
    assert.equal(resendFormFor([]), 'single');
  });

  const pending = (n: number, msg: Record<string, unknown>) => ({ id: n, msg, storedAt: T0 + n });

  it('influxdb batch: every stored point in one message, each with its own time and tags', () => {
    const batches = composeBatches(
      [
        pending(1, { measurement: 'inverter1', payload: [{ p_ac: 100, time: new Date(T0 + 1000) }, { host: 'pv' }] }),
        pending(2, { measurement: 'inverter2', payload: { p_ac: 200, time: new Date(T0 + 2000) } }),
        pending(3, { payload: [{ measurement: 'system', fields: { cpu: 5 }, tags: { host: 'pv' }, timestamp: new Date(T0 + 3000) }] }),
        pending(4, { payload: { p_ac: 1 } }), // no measurement of its own: cannot be a batch point
      ],
      'influxdb-batch',
    );
    assert.equal(batches.length, 2);
    assert.deepEqual(batches[0].ids, [1, 2, 3]);
    assert.deepEqual(batches[0].msg.payload, [
      { measurement: 'inverter1', fields: { p_ac: 100 }, tags: { host: 'pv' }, timestamp: new Date(T0 + 1000) },
      { measurement: 'inverter2', fields: { p_ac: 200 }, tags: {}, timestamp: new Date(T0 + 2000) },
      { measurement: 'system', fields: { cpu: 5 }, tags: { host: 'pv' }, timestamp: new Date(T0 + 3000) },
    ]);
    assert.deepEqual(batches[1], { ids: [4], msg: { payload: { p_ac: 1 } } }, 'sent alone, exactly as stored');
  });

  it('influxdb out: grouped by measurement as [[fields, tags], …], times kept', () => {
    const batches = composeBatches(
      [
        pending(1, { measurement: 'inverter1', payload: [{ p_ac: 100, time: new Date(T0 + 1000) }, { host: 'pv' }] }),
        pending(2, { measurement: 'inverter2', payload: [{ p_ac: 200, time: new Date(T0 + 1000) }, { host: 'pv' }] }),
        pending(3, { measurement: 'inverter1', payload: [{ p_ac: 110, time: new Date(T0 + 11000) }, { host: 'pv' }] }),
        pending(4, { measurement: 'inverter1', precision: 's', payload: { p_ac: 1, time: 1 } }), // a property it reads besides: alone
      ],
      'influxdb-out',
    );
    assert.deepEqual(
      batches.map((b) => b.ids),
      [[1, 3], [2], [4]],
    );
    assert.deepEqual(batches[0].msg, {
      measurement: 'inverter1',
      payload: [
        [{ p_ac: 100, time: new Date(T0 + 1000) }, { host: 'pv' }],
        [{ p_ac: 110, time: new Date(T0 + 11000) }, { host: 'pv' }],
      ],
    });
    assert.deepEqual(batches[1].msg, { measurement: 'inverter2', payload: [{ p_ac: 200, time: new Date(T0 + 1000) }, { host: 'pv' }] }, 'a group of one stays as stored');
  });

  it('mongodb insert: payload documents grouped by collection', () => {
    const batches = composeBatches(
      [
        pending(1, { collection: 'Sensors', payload: { inverter: '10', v: 1 } }),
        pending(2, { collection: 'Sensors', payload: { inverter: '11', v: 2 } }),
        pending(3, { payload: 'text' }),
      ],
      'mongodb-insert',
    );
    assert.deepEqual(batches[0], { ids: [1, 2], msg: { collection: 'Sensors', payload: [{ inverter: '10', v: 1 }, { inverter: '11', v: 2 }] } });
    assert.deepEqual(batches[1].ids, [3]);
  });
});

describe('pv-cache drains a backlog in batches', () => {
  let dir: string;
  const caches: StoreAndForward[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-batch-'));
  });
  afterEach(() => {
    for (const c of caches.splice(0)) c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A cache in front of a simulated `influxdb batch` node on virtual time. */
  function site(s: Partial<CacheSettings>, form: ResendForm = 'influxdb-batch') {
    const vt = new VirtualScheduler();
    const sent: Record<string, unknown>[] = [];
    const settings: CacheSettings = {
      file: path.join(dir, 'c.sqlite'),
      retentionDays: 30,
      maxMB: 1000,
      resendRate: 10,
      batchSize: 1000,
      retryIntervalS: 10,
      ackTimeoutS: 60,
      rejectAfter: 3,
      stampTime: true,
      ...s,
    };
    const warnings: string[] = [];
    const cache = new StoreAndForward(
      OWNER,
      settings,
      { resend: (m) => sent.push(m), resendForm: () => form, warn: (t) => warnings.push(t), changed: () => undefined },
      vt,
    );
    caches.push(cache);
    const key = (m: Record<string, unknown>): string => String(m._cacheId).split(':')[1];
    return { vt, sent, cache, key, warnings };
  }

  const reading = (n: number) => ({ measurement: `inverter${(n % 6) + 1}`, payload: [{ n, p_ac: n, time: new Date(T0 + n * 1000) }, { host: 'pv' }] });

  // every put is a durable (fsynced) write: 250 keep the test quick on a loaded disk, batches of 100 show the same
  it('sends a backlog of 250 as batches of at most batchSize, two in flight, each acknowledged as a whole', () => {
    const { vt, sent, cache, key } = site({ batchSize: 100 });
    const first = cache.put(reading(0));
    cache.fail(first.id, 'connect ECONNREFUSED');
    for (let n = 1; n < 250; n++) assert.equal(cache.put(reading(n)).forward, n === 1, 'only the first new message goes out, as the probe');
    assert.equal(cache.stats().pending, 250);
    assert.equal(sent.length, 0);
    cache.acknowledge(2); // the probe: message 1, row 2
    vt.advance(0);
    assert.equal(sent.length, 1, 'the first batch at once');
    vt.advance(100);
    // then the second, paced at resendRate (10 batches/s): 100 points each, oldest first
    assert.deepEqual(
      sent.map((m) => (m.payload as unknown[]).length),
      [100, 100],
    );
    assert.match(key(sent[0]), /^b\d+$/);
    const times = (sent[0].payload as { timestamp: Date }[]).map((p) => p.timestamp.getTime());
    assert.deepEqual(times.slice(0, 3), [T0, T0 + 2000, T0 + 3000], 'the original timestamps, oldest first (1 went out as the probe)');
    vt.advance(10000);
    assert.equal(sent.length, 2, 'no third batch while two are unanswered');
    cache.acknowledge(key(sent[0]));
    assert.equal(cache.stats().pending, 149, 'a whole batch delivered at once');
    vt.advance(100);
    assert.equal(sent.length, 3);
    assert.equal((sent[2].payload as unknown[]).length, 49);
    cache.acknowledge(key(sent[1]));
    cache.acknowledge(key(sent[2]));
    vt.advance(100);
    assert.deepEqual({ pending: cache.stats().pending, delivered: cache.stats().delivered, mode: cache.stats().mode }, { pending: 0, delivered: 250, mode: 'passing' });
    assert.equal(cache.acknowledge(key(sent[2])), false, 'a repeated acknowledgement changes nothing');
  });

  it('a batch the database refuses is split until the bad message is alone, which is set aside; the rest is delivered', () => {
    const { vt, sent, cache, key, warnings } = site({ batchSize: 64, rejectAfter: 2 });
    const forwarded: Record<string, unknown>[] = [];
    const first = cache.put(reading(0));
    cache.fail(first.id, 'connect ECONNREFUSED');
    for (let n = 1; n < 200; n++) {
      const msg = reading(n);
      if (cache.put(msg).forward) forwarded.push(msg);
    }
    const BAD = 77;
    let sends = 0;
    // the database: refuses any write holding point 77, takes everything else
    const answer = (m: Record<string, unknown>): void => {
      sends++;
      const payload = m.payload;
      const ns = Array.isArray(payload) && !Array.isArray(payload[0]) && (payload[0] as { fields?: unknown }).fields !== undefined
        ? (payload as { fields: { n: number } }[]).map((p) => p.fields.n)
        : [((payload as [{ n: number }])[0]).n];
      if (ns.includes(BAD)) cache.fail(key(m), 'partial write: field type conflict');
      else cache.acknowledge(key(m));
    };
    for (let t = 0; t < 120000 && cache.stats().pending > 0; t += 50) {
      for (const m of [...forwarded.splice(0), ...sent.splice(0)]) answer(m);
      if (t % 1000 === 0) {
        const msg = reading(1000 + t / 1000); // new data a second apart
        if (cache.put(msg).forward) forwarded.push(msg);
      }
      vt.advance(50);
    }
    assert.equal(cache.stats().pending, 0, 'nothing blocked');
    assert.equal(cache.stats().rejected, 1);
    assert.ok(warnings.some((w) => /set aside message 78 after \d+ failed deliveries.*field type conflict/.test(w)), warnings.join('\n'));
    assert.ok(sends < 60, `${sends} sends for 200 messages`);
  });

  it('reads the backlog in pages, never whole', () => {
    const file = path.join(dir, 'c.sqlite');
    // 1,200 fsynced puts (not 3,000): on a loaded disk the whole test stays within seconds; batches of
    // 40 show the same: pages of a few batches, never the 1,200
    const { cache } = site({ file, batchSize: 40 });
    const first = cache.put(reading(0));
    cache.fail(first.id, 'down');
    for (let n = 1; n < 1200; n++) cache.put(reading(n));
    cache.close();
    caches.length = 0;
    const biggest: number[] = [];
    const original = CacheStore.prototype.pendingAfterId;
    CacheStore.prototype.pendingAfterId = function (this: CacheStore, after: number, limit: number) {
      biggest.push(limit);
      return original.call(this, after, limit);
    };
    try {
      const again = site({ file, batchSize: 40 });
      for (let i = 0; i < 60 && again.cache.stats().pending > 0; i++) {
        for (const m of again.sent.splice(0)) again.cache.acknowledge(again.key(m));
        again.vt.advance(200);
      }
      assert.equal(again.cache.stats().pending, 0);
    } finally {
      CacheStore.prototype.pendingAfterId = original;
    }
    assert.ok(biggest.length > 0 && Math.max(...biggest) <= 120, `rows asked for at once: ${Math.max(...biggest)}`);
  });

  it('sees the database back within a second of its return when data flows, however long the outage', () => {
    const { vt, sent, cache, key } = site({ retryIntervalS: 30 });
    let up = false;
    let backAt = 0;
    let firstAckAt = 0;
    let probesWhileDown = 0;
    const answer = (m: Record<string, unknown>): void => {
      if (up) {
        if (firstAckAt === 0) firstAckAt = vt.now();
        cache.acknowledge(key(m));
      } else {
        probesWhileDown++;
        cache.fail(key(m), 'connect ECONNREFUSED');
      }
    };
    const forwarded: Record<string, unknown>[] = [];
    const HOUR = 3600000;
    for (let t = 0; t < HOUR + 60000; t += 100) {
      if (t === HOUR) {
        up = true;
        backAt = vt.now();
      }
      if (t % 2000 === 0) {
        const msg = reading(t / 1000);
        if (cache.put(msg).forward) forwarded.push(msg);
      }
      for (const m of [...forwarded.splice(0), ...sent.splice(0)]) answer(m);
      vt.advance(100);
    }
    assert.ok(firstAckAt - backAt <= 1000, `seen ${firstAckAt - backAt} ms after the database came back`);
    assert.ok(probesWhileDown <= 3600, `${probesWhileDown} probes in the hour down (at most one a second)`);
    assert.equal(cache.stats().pending, 0);
  });
});
