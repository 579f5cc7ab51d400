import assert from 'node:assert/strict';
import { CheckHistory } from '../../lib/watchdog/checkHistory';

describe('watchdog CheckHistory', () => {
  it('keeps the newest N results, dropping the oldest', () => {
    const h = new CheckHistory(3);
    for (let i = 1; i <= 5; i++) h.add({ ok: i % 2 === 0, at: i, detail: `r${i}` });
    assert.deepEqual(
      h.list().map((r) => r.detail),
      ['r3', 'r4', 'r5'],
    );
    assert.equal(h.latest()?.detail, 'r5');
    assert.equal(h.failures(), 2);
  });

  it('counts failures in a row and a success resets the count', () => {
    const h = new CheckHistory(2);
    h.add({ ok: false, at: 1, detail: '' });
    h.add({ ok: false, at: 2, detail: '' });
    h.add({ ok: false, at: 3, detail: '' });
    assert.equal(h.failsInRow, 3, 'not capped by the history size');
    h.add({ ok: true, at: 4, detail: '' });
    assert.equal(h.failsInRow, 0);
    h.add({ ok: false, at: 5, detail: '' });
    assert.equal(h.failsInRow, 1);
  });

  it('refuses a size that is not a positive integer', () => {
    assert.throws(() => new CheckHistory(0), /positive integer/);
  });
});
