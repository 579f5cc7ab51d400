/** kaco-read's Dashboard 2.0 output: rows per inverter and the plant's totals, asleep vs offline. */
import assert from 'node:assert/strict';
import { KacoBoard } from '../../lib/dashboard/kacoBoard';
import type { CycleSummary, InverterResult } from '../../lib/kaco/kacoPoller';

const at = (h: number, m: number): number => new Date(2026, 11, 2, h, m, 10).getTime();
const ok = (id: string, address: number, t: number, p_ac: number, e_day: number): InverterResult => ({ id, address, name: `KACO ${address}`, status: 'ok', fields: { p_ac, e_day, status_text: 'Feeding' }, errorMessage: '', at: t });
const miss = (id: string, address: number, t: number, status: 'error' | 'asleep'): InverterResult => ({ id, address, name: `KACO ${address}`, status, errorMessage: 'no answer', at: t });
const cycle = (t: number): CycleSummary => ({ cycle: 1, startedAt: t, durationMs: 500, ok: 0, error: 0, asleep: 0, withYield: true });

describe('dashboard: kaco-read shapes (lib/dashboard/kacoBoard)', function () {
  it('totals the power and today\'s yield of every inverter; rows in words', function () {
    const b = new KacoBoard();
    b.result(ok('a', 1, at(12, 0), 3000, 12000));
    b.result(ok('b', 2, at(12, 0), 2500, 10550));
    const m = b.cycle(cycle(at(12, 0)), 'kaco');
    assert.deepEqual(m.gauges, { p_ac: 5500, e_day_kwh: 22.6 });
    assert.deepEqual(m.payload[0], { inverter: 'KACO 1', state: 'Feeding', 'AC W': 3000, 'today kWh': 12 });
  });

  it('an offline inverter: "offline since" its first miss, empty numbers, totals empty; asleep counts 0 W and keeps its yield', function () {
    const b = new KacoBoard();
    b.result(ok('a', 1, at(12, 0), 3000, 12000));
    b.result(ok('b', 2, at(12, 0), 2500, 10000));
    b.cycle(cycle(at(12, 0)), 'kaco');
    b.result(ok('a', 1, at(12, 3), 3100, 12100));
    b.result(miss('b', 2, at(12, 3), 'error'));
    b.cycle(cycle(at(12, 3)), 'kaco');
    b.result(ok('a', 1, at(12, 4), 3100, 12100));
    b.result(miss('b', 2, at(12, 4), 'error'));
    const m = b.cycle(cycle(at(12, 4)), 'kaco');
    assert.deepEqual(m.payload[1], { inverter: 'KACO 2', state: 'offline since 12:03', 'AC W': null, 'today kWh': null });
    assert.deepEqual(m.gauges, { p_ac: '', e_day_kwh: '' });

    const night = new KacoBoard();
    night.result(ok('a', 1, at(18, 0), 100, 20000));
    night.result(miss('a', 1, at(18, 40), 'asleep'));
    const n = night.cycle(cycle(at(18, 45)), 'kaco');
    assert.deepEqual(n.payload[0], { inverter: 'KACO 1', state: 'asleep since 18:40', 'AC W': 0, 'today kWh': 20 });
    assert.deepEqual(n.gauges, { p_ac: 0, e_day_kwh: 20 });
  });
});
