/** xw-command's Dashboard 2.0 output: the one-line summary and the rows per unit, in words. */
import assert from 'node:assert/strict';
import { commandBoardMessage, stateWords } from '../../lib/dashboard/commandBoard';
import type { CommandReport } from '../../lib/xw/verifiedWriter';

describe('dashboard: xw-command shapes (lib/dashboard/commandBoard)', function () {
  it('summary line and one row per unit: verified, action, before → after in words, time, reason', function () {
    const started = new Date(2026, 11, 2, 12, 3, 0).getTime();
    const report: CommandReport = {
      command: 'rest',
      ok: false,
      ms: 812,
      transactions: 9,
      counts: { ok: 1, written: 1, skipped: 0, refused: 1, notSent: 0 },
      units: [
        { unit: 10, name: 'XW 1', ok: true, action: 'written', registers: { written: ['charger_enable_setting'], already: ['sell_enable_setting'], notSent: [] }, summary: 'charger on → off, sell off (already)', cause: null, before: { charger_enabled: 1, sell_enabled: 0, operating_mode: 3, operating_mode_text: 'Operating' }, after: { charger_enabled: 0, sell_enabled: 0, operating_mode: 3, operating_mode_text: 'Operating' }, ms: 700, reason: '' },
        { unit: 12, name: 'XW 3', ok: false, action: 'refused', registers: { written: [], already: [], notSent: [] }, summary: '', cause: 'unreadable', before: null, after: null, ms: 300, reason: 'unit 12 did not answer' },
      ],
    };
    const m = commandBoardMessage(report, started, 'cmd');
    assert.equal(m.summary, 'rest: 1 of 2 units verified in 812 ms');
    assert.deepEqual(m.payload[0], { unit: 'XW 1', verified: 'yes', action: 'written', change: 'charger on → off, sell off (already)', time: '12:03', ms: 700, reason: '' });
    assert.deepEqual(m.payload[1], { unit: 'XW 3', verified: 'NO', action: 'refused', change: 'unreadable', time: '12:03', ms: 300, reason: 'unit 12 did not answer' });
    assert.equal(stateWords({ inverter_enabled: 0 }), 'inverter off');
  });
});
