/** kaco-read's Dashboard 2.0 output: rows per inverter and the plant's totals, asleep vs offline. */
import assert from 'node:assert/strict';
import { KacoBoard } from '../../lib/dashboard/kacoBoard';
import type { CycleSummary, InverterReading, InverterResult } from '../../lib/kaco/kacoPoller';

const at = (h: number, m: number): number => new Date(2026, 11, 2, h, m, 10).getTime();
const reading = (id: string, address: number, t: number, p_ac: number, e_day: number): InverterReading => ({ id, address, name: `KACO ${address}`, part: 'measurements', family: 'standard', fields: { p_ac, e_day, status_text: 'Feeding' }, at: t });
const done = (id: string, address: number, t: number): InverterResult => ({ id, address, name: `KACO ${address}`, status: 'ok', errorMessage: '', at: t });
/** as kaco-read feeds the board: the reading the moment it is decoded, then the end of the inverter's turn */
const ok = (b: KacoBoard, id: string, address: number, t: number, p_ac: number, e_day: number): void => {
  b.reading(reading(id, address, t, p_ac, e_day));
  b.result(done(id, address, t));
};
const miss = (id: string, address: number, t: number, status: 'error' | 'asleep'): InverterResult => ({ id, address, name: `KACO ${address}`, status, errorMessage: 'no answer', at: t });
const cycle = (t: number): CycleSummary => ({ cycle: 1, startedAt: t, durationMs: 500, ok: 0, error: 0, asleep: 0, withYield: true });

describe('dashboard: kaco-read shapes (lib/dashboard/kacoBoard)', function () {
  it('totals the power and today\'s yield of every inverter; rows in words', function () {
    const b = new KacoBoard();
    ok(b, 'a', 1, at(12, 0), 3000, 12000);
    ok(b, 'b', 2, at(12, 0), 2500, 10550);
    const m = b.cycle(cycle(at(12, 0)), 'kaco');
    assert.deepEqual(m.gauges, { p_ac: 5500, e_day_kwh: 22.6 });
    assert.deepEqual(m.payload[0], { inverter: 'KACO 1', state: 'Feeding', 'AC W': 3000, 'today kWh': 12 });
  });

  it('an offline inverter: "offline since" its first miss, empty numbers, totals empty; asleep counts 0 W and keeps its yield', function () {
    const b = new KacoBoard();
    ok(b, 'a', 1, at(12, 0), 3000, 12000);
    ok(b, 'b', 2, at(12, 0), 2500, 10000);
    b.cycle(cycle(at(12, 0)), 'kaco');
    ok(b, 'a', 1, at(12, 3), 3100, 12100);
    b.result(miss('b', 2, at(12, 3), 'error'));
    b.cycle(cycle(at(12, 3)), 'kaco');
    ok(b, 'a', 1, at(12, 4), 3100, 12100);
    b.result(miss('b', 2, at(12, 4), 'error'));
    const m = b.cycle(cycle(at(12, 4)), 'kaco');
    assert.deepEqual(m.payload[1], { inverter: 'KACO 2', state: 'offline since 12:03', 'AC W': null, 'today kWh': null });
    assert.deepEqual(m.gauges, { p_ac: '', e_day_kwh: '' });

    const night = new KacoBoard();
    ok(night, 'a', 1, at(18, 0), 100, 20000);
    night.result(miss('a', 1, at(18, 40), 'asleep'));
    const n = night.cycle(cycle(at(18, 45)), 'kaco');
    assert.deepEqual(n.payload[0], { inverter: 'KACO 1', state: 'asleep since 18:40', 'AC W': 0, 'today kWh': 20 });
    assert.deepEqual(n.gauges, { p_ac: 0, e_day_kwh: 20 });
  });

  it("merges command 3's yield reading into the inverter's row without losing command 0's power", function () {
    const b = new KacoBoard();
    b.reading(reading('a', 1, at(12, 0), 3000, 12000));
    b.reading({ id: 'a', address: 1, name: 'KACO 1', part: 'yield', family: 'standard', fields: { e_total: 5000 }, at: at(12, 0) });
    b.result(done('a', 1, at(12, 0)));
    const m = b.cycle(cycle(at(12, 0)), 'kaco');
    assert.deepEqual(m.payload[0], { inverter: 'KACO 1', state: 'Feeding', 'AC W': 3000, 'today kWh': 12 });
    assert.deepEqual(m.gauges, { p_ac: 3000, e_day_kwh: 12 });
  });
});
