import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CacheSettings } from '../../lib/cache/cacheSettings';
import { CacheStore } from '../../lib/cache/cacheStore';
import { idFromToken } from '../../lib/cache/cacheToken';
import { StoreAndForward, type QueriedPoint } from '../../lib/cache/storeAndForward';
import { systemScheduler, type Scheduler } from '../../lib/time/scheduler';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';

const OWNER = 'cache1';
const DAY = 86400000;

/** A cache with its outputs recorded: re-sent messages and warnings. */
class Harness {
  readonly resent: Record<string, unknown>[] = [];
  readonly warnings: string[] = [];
  readonly cache: StoreAndForward;
  constructor(settings: CacheSettings, clocks: Scheduler = systemScheduler) {
    this.cache = new StoreAndForward(OWNER, settings, { resend: (m) => this.resent.push(m), warn: (t) => this.warnings.push(t), changed: () => undefined }, clocks);
  }
  /** Puts a message; returns its id and whether it went out at once. */
  put(n: number, extra: Record<string, unknown> = {}): { id: number; forward: boolean; msg: Record<string, unknown> } {
    const msg: Record<string, unknown> = { measurement: 'pv', payload: { n }, ...extra };
    return { ...this.cache.put(msg), msg };
  }
  resentNs(): number[] {
    return this.resent.map((m) => (m.payload as { n: number }).n);
  }
  idOf(m: Record<string, unknown>): number {
    return idFromToken(m._cacheId, OWNER)!;
  }
}

const until = async (cond: () => boolean, what: string, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('store and forward', () => {
  let dir: string;
  let settings: CacheSettings;
  const open: Harness[] = [];
  const harness = (s: Partial<CacheSettings> = {}, clocks: Scheduler = systemScheduler): Harness => {
    const h = new Harness({ ...settings, ...s }, clocks);
    open.push(h);
    return h;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-sf-'));
    settings = {
      file: path.join(dir, 'c.sqlite'),
      retentionDays: 30,
      maxMB: 100,
      resendRate: 1000,
      batchSize: 1000,
      retryIntervalS: 0.05,
      ackTimeoutS: 5,
      rejectAfter: 3,
      stampTime: true,
    };
  });
  afterEach(() => {
    for (const h of open.splice(0)) h.cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('forwards at once while the database answers, stamped and tokened, and counts the acknowledgement', () => {
    const h = harness();
    const before = Date.now();
    const a = h.put(1);
    assert.equal(a.forward, true);
    assert.equal(a.msg._cacheId, `${OWNER}:${a.id}`);
    const time = (a.msg.payload as { time: Date }).time;
    assert.ok(time instanceof Date && time.getTime() >= before && time.getTime() <= Date.now());
    assert.equal(h.cache.stats().pending, 1);
    assert.equal(h.cache.acknowledge(a.id), true);
    assert.equal(h.cache.acknowledge(a.id), false);
    assert.deepEqual({ pending: h.cache.stats().pending, delivered: h.cache.stats().delivered, mode: h.cache.stats().mode }, { pending: 0, delivered: 1, mode: 'passing' });
  });

  it('after a failure probes with a new message, then the oldest at doubling intervals, then drains two at a time beside new data, never a delivered one', () => {
    const vt = new VirtualScheduler();
    const h = harness({ retryIntervalS: 4, rejectAfter: 0 }, vt);
    const a = h.put(1);
    const b = h.put(2);
    const c = h.put(3);
    h.cache.acknowledge(a.id);
    h.cache.fail(b.id, 'connect ECONNREFUSED');
    h.cache.fail(c.id, 'connect ECONNREFUSED');
    assert.equal(h.cache.stats().mode, 'offline');
    const d = h.put(4);
    assert.equal(d.forward, true, 'a new message is the first probe');
    assert.equal(h.put(5).forward, false, 'one probe at a time');
    h.cache.fail(d.id, 'connect ECONNREFUSED');
    // timed probes of the oldest pending: 0.5 s after the failure, then 1, 2, 4, 4 s apart
    const probeTimes: number[] = [];
    const t0 = vt.now();
    for (let i = 0; i < 5; i++) {
      const before = h.resent.length;
      while (h.resent.length === before) vt.advance(10);
      probeTimes.push(vt.now() - t0);
      assert.equal((h.resent[h.resent.length - 1].payload as { n: number }).n, 2, 'the probe is the oldest pending');
      if (i < 4) h.cache.fail(h.idOf(h.resent[h.resent.length - 1]), 'connect ECONNREFUSED');
    }
    assert.deepEqual(probeTimes, [500, 1500, 3500, 7500, 11500]);
    assert.equal(h.put(6).forward, false, 'a new message within a second of the last probe waits');
    h.cache.acknowledge(h.idOf(h.resent[4]));
    assert.equal(h.cache.stats().mode, 'draining');
    vt.advance(0);
    assert.deepEqual(h.resentNs().slice(5), [3, 4], 'the backlog drains oldest first, two in flight');
    vt.advance(5000);
    assert.deepEqual(h.resentNs().slice(5), [3, 4], 'no third while two are unanswered');
    const live = h.put(7);
    assert.equal(live.forward, true, 'new data goes out beside the backlog');
    h.cache.acknowledge(h.idOf(h.resent[5]));
    vt.advance(1);
    assert.deepEqual(h.resentNs().slice(5), [3, 4, 5]);
    h.cache.acknowledge(h.idOf(h.resent[6]));
    vt.advance(1);
    assert.deepEqual(h.resentNs().slice(5), [3, 4, 5, 6]);
    h.cache.acknowledge(live.id);
    h.cache.acknowledge(h.idOf(h.resent[7]));
    h.cache.acknowledge(h.idOf(h.resent[8]));
    vt.advance(1);
    assert.equal(h.cache.stats().mode, 'passing');
    assert.equal(h.cache.stats().pending, 0);
    assert.equal(h.put(8).forward, true);
    assert.ok(!h.resentNs().includes(1) && !h.resentNs().includes(7), 'acknowledged messages are never re-sent');
    const stamped = h.resent.map((m) => (m.payload as { time: Date }).time);
    assert.ok(stamped.every((t) => t instanceof Date), 're-sent messages carry their stored Date');
  });

  it('re-sends pending messages after a restart, in order, with their original timestamps', () => {
    const vt = new VirtualScheduler();
    const clocks = vt;
    let h = harness({}, clocks);
    const sentTimes = new Map<number, number>();
    for (let n = 1; n <= 5; n++) {
      const r = h.put(n);
      sentTimes.set(n, (r.msg.payload as { time: Date }).time.getTime());
      if (n <= 2) h.cache.acknowledge(r.id);
    }
    h.cache.close();
    open.length = 0;
    h = harness({}, clocks);
    vt.advance(0);
    assert.deepEqual(h.resentNs(), [3, 4]);
    h.cache.acknowledge(h.idOf(h.resent[0]));
    h.cache.acknowledge(h.idOf(h.resent[1]));
    vt.advance(1);
    h.cache.acknowledge(h.idOf(h.resent[2]));
    vt.advance(1);
    assert.equal(h.cache.stats().mode, 'passing');
    assert.deepEqual(h.resentNs(), [3, 4, 5]);
    for (const m of h.resent) {
      const n = (m.payload as { n: number }).n;
      assert.equal((m.payload as { time: Date }).time.getTime(), sentTimes.get(n));
    }
  });

  it('sets aside a message the database refuses while it accepts others, and goes on', () => {
    const vt = new VirtualScheduler();
    const h = harness({ rejectAfter: 3 }, vt);
    const sent: Record<string, unknown>[] = [];
    const bad = h.put(1);
    h.cache.fail(bad.id, 'field type conflict');
    for (const n of [2, 3]) {
      const r = h.put(n);
      if (r.forward) sent.push(r.msg);
    }
    const answer = (m: Record<string, unknown>): void => {
      if ((m.payload as { n: number }).n === 1) h.cache.fail(h.idOf(m), 'field type conflict');
      else h.cache.acknowledge(h.idOf(m));
    };
    // new data keeps coming, one message a second; the database takes all but message 1
    let answered = 0;
    let n = 3;
    for (let t = 10; t <= 60000 && (h.cache.stats().pending > 0 || n < 10); t += 10) {
      if (t % 1000 === 0 && n < 10) {
        const r = h.put(++n);
        if (r.forward) sent.push(r.msg);
      }
      for (const m of sent.splice(0)) answer(m);
      while (answered < h.resent.length) answer(h.resent[answered++]);
      vt.advance(10);
    }
    assert.equal(h.cache.stats().pending, 0, 'queue unblocked');
    assert.deepEqual(h.cache.stats().rejected, 1);
    assert.equal(h.cache.stats().delivered, 9);
    assert.ok(h.warnings.some((w) => /set aside message 1 after \d+ failed deliveries.*field type conflict/.test(w)), h.warnings.join('\n'));
    assert.ok(h.resentNs().filter((n) => n === 1).length >= 2, 'tried again before setting it aside');
  });

  it('a timed probe that meets an error of the file warns and is tried again a second later', () => {
    const vt = new VirtualScheduler();
    const h = harness({ retryIntervalS: 4, rejectAfter: 0 }, vt);
    const a = h.put(1);
    h.cache.fail(a.id, 'connect ECONNREFUSED');
    const original = CacheStore.prototype.oldestPending;
    let locked = 1;
    CacheStore.prototype.oldestPending = function (this: CacheStore, limit: number) {
      if (locked-- > 0) throw new Error('database is locked');
      return original.call(this, limit);
    };
    try {
      vt.advance(500); // the first probe's time
      assert.equal(h.resent.length, 0);
      assert.ok(h.warnings.some((w) => /c\.sqlite: re-sending paused for a second: database is locked$/.test(w)), h.warnings.join('\n'));
      vt.advance(999);
      assert.equal(h.resent.length, 0, 'not again within the second');
      vt.advance(1);
      assert.deepEqual(h.resentNs(), [1], 'the probe goes out once the file answers');
    } finally {
      CacheStore.prototype.oldestPending = original;
    }
  });

  it('does not set a message aside while the database answers nothing', async () => {
    const h = harness({ rejectAfter: 2 });
    const a = h.put(1);
    h.put(2);
    h.cache.fail(a.id, 'ECONNREFUSED');
    let answered = 0;
    await until(() => {
      while (answered < h.resent.length) h.cache.fail(h.idOf(h.resent[answered++]), 'ECONNREFUSED');
      return h.resent.length >= 8;
    }, 'probes');
    assert.equal(h.cache.stats().rejected, 0);
    assert.equal(h.cache.stats().pending, 2);
  });

  it('counts a message with no answer as failed and says how to wire the acknowledgement', async () => {
    const h = harness({ ackTimeoutS: 0.1 });
    h.put(1);
    await until(() => h.cache.stats().mode === 'offline', 'timeout');
    assert.ok(h.warnings.some((w) => /no acknowledgement came back within 0\.1 s: wire a complete node/.test(w)), h.warnings.join('\n'));
  });

  it('deletes delivered points after the retention days, keeps undelivered ones', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clocks: Scheduler = { ...systemScheduler, wallNow: () => now };
    const h = harness({ retentionDays: 30 }, clocks);
    const old = h.put(1);
    h.cache.acknowledge(old.id);
    h.put(2); // pending
    now += 10 * DAY;
    const recent = h.put(3);
    h.cache.acknowledge(recent.id);
    now += 25 * DAY; // message 1 is 35 days old, message 3 is 25
    h.cache.housekeep();
    assert.deepEqual({ ...h.cache.stats(), sizeMB: 0, oldestPendingAgeS: 0 }, {
      pending: 1,
      delivered: 1,
      rejected: 0,
      dropped: 0,
      resent: 0,
      oldestPendingAgeS: 0,
      sizeMB: 0,
      maxMB: 100,
      mode: 'passing',
    });
    const left = h.cache.query({ from: 0, to: now, limit: 10 }).points as QueriedPoint[];
    assert.deepEqual(
      left.map((p) => [p.fields.n, p.state]),
      [
        [2, 'pending'],
        [3, 'delivered'],
      ],
    );
  });

  it('stays within max MB: oldest delivered go first; a warning before undelivered ones are dropped, then a warning when they are', () => {
    const h = harness({ maxMB: 0.2 });
    const big = 'x'.repeat(1000);
    // 400 delivered messages of ~1 kB: twice the bound
    for (let n = 1; n <= 400; n++) h.cache.acknowledge(h.put(n, { blob: big }).id);
    h.cache.housekeep();
    const s1 = h.cache.stats();
    assert.ok(s1.sizeMB <= 0.2, `used ${s1.sizeMB} MB over the bound`);
    const kept = (h.cache.query({ from: 0, to: Date.now() + 1000, limit: 1000 }).points as QueriedPoint[]).map((p) => p.fields.n as number);
    assert.ok(kept.length > 50 && kept.length < 200, `${kept.length} kept`);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 400 - kept.length + 1 + i), 'the newest are kept');
    assert.equal(h.warnings.length, 0, h.warnings.join('\n'));
    assert.equal(s1.dropped, 0);

    // the database goes away: undelivered messages pile up
    let firstHold = 0;
    for (let n = 401; n <= 800; n++) {
      const r = h.put(n, { blob: big });
      if (n === 401) h.cache.fail(r.id, 'down');
      if (!firstHold && h.warnings.length > 0) firstHold = n;
      if (h.cache.stats().dropped > 0) break;
    }
    h.cache.housekeep();
    const near = h.warnings.findIndex((w) => /cache \d+ % full \(.* of 0\.2 MB\) with undelivered messages: once full, the oldest undelivered messages will be dropped/.test(w));
    const dropped = h.warnings.findIndex((w) => /cache full \(0\.2 MB\) of undelivered messages: dropped the \d+ oldest/.test(w));
    assert.ok(near >= 0, `no warning before dropping: ${h.warnings.join('\n')}`);
    assert.ok(dropped > near, `dropped without an earlier warning: ${h.warnings.join('\n')}`);
    const s2 = h.cache.stats();
    assert.ok(s2.dropped > 0);
    assert.equal(s2.delivered, 0, 'every delivered message went before any undelivered one');
    assert.ok(s2.sizeMB <= 0.2, `used ${s2.sizeMB} MB over the bound`);
  });

  it('answers queries by measurement and field for a chart', () => {
    const h = harness();
    const t0 = Date.now() - 1000;
    h.put(0, { measurement: 'pv', payload: [{ p_ac: 100, time: new Date(t0) }, { unit: '1' }] });
    h.put(0, { measurement: 'pv', payload: [{ p_ac: 200, time: new Date(t0 + 10) }, { unit: '2' }] });
    h.put(0, { measurement: 'system', payload: { up: 5, time: new Date(t0 + 20) } });
    const r = h.cache.query({ from: t0 - 1, to: t0 + 100, measurement: 'pv', field: 'p_ac', limit: 100 });
    assert.deepEqual(r, {
      points: [
        { unit: '1', time: t0, value: 100 },
        { unit: '2', time: t0 + 10, value: 200 },
      ],
      truncated: false,
    });
    assert.equal(h.cache.query({ from: t0 - 1, to: t0 + 100, limit: 2 }).truncated, true);
  });
});
