import * as assert from 'node:assert/strict';
import { LockWaitError, UnitLocks } from '../../lib/xw/unitLocks';

describe('xw/unitLocks', () => {
  it('serialises overlapping unit sets first come first served, runs disjoint ones together', async () => {
    const locks = new UnitLocks();
    const order: string[] = [];
    const r1 = await locks.acquire([10, 11], 1000);
    const p2 = locks.acquire([11, 12], 1000).then((r) => (order.push('2'), r));
    const p3 = locks.acquire([12], 1000).then((r) => (order.push('3'), r));
    const p4 = locks.acquire([13], 1000).then((r) => (order.push('4'), r));
    const r4 = await p4;
    assert.deepEqual(order, ['4']);
    r1();
    const r2 = await p2;
    assert.deepEqual(order, ['4', '2']);
    r2();
    (await p3)();
    r4();
    assert.deepEqual(locks.busyUnits, []);
  });

  it('gives up after the timeout with a clear error', async () => {
    const locks = new UnitLocks();
    const r = await locks.acquire([10], 1000);
    await assert.rejects(locks.acquire([10], 20), (e: unknown) => e instanceof LockWaitError && /unit\(s\) 10 did not finish within 20 ms/.test(e.message));
    r();
    (await locks.acquire([10], 10))();
  });
});
