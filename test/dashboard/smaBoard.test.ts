import assert from 'node:assert/strict';
import { SmaBoard } from '../../lib/dashboard/smaBoard';
import type { SmaDeviceReading } from '../../lib/sma/smaPoller';

const at = (h: number, m = 0): number => new Date(2026, 5, 21, h, m).getTime();
const reading = (id: string, t: number, fields: Record<string, number | string>): SmaDeviceReading => ({ id, name: id, transport: 'data1', serial: 1, fields, at: t });

describe('dashboard: sma-read shapes (lib/dashboard/smaBoard)', () => {
  it('a row per device with its state text, AC power and today; totals over the plant', () => {
    const b = new SmaBoard();
    b.reading({ ...reading('smc', at(12), { p_ac: 4000, e_today: 12.34, status: 'Mpp' }), transport: 'speedwire' });
    b.result({ id: 'smc', name: 'smc', transport: 'speedwire', status: 'ok', errorMessage: '', logonRefused: false, at: at(12) });
    const m = b.cycle({ startedAt: at(12), durationMs: 500 }, 'sma');
    assert.deepEqual(m.payload, [{ inverter: 'smc', state: 'Mpp', 'AC W': 4000, 'today kWh': 12.3 }]);
    assert.deepEqual(m.gauges, { p_ac: 4000, e_day_kwh: 12.3 });
  });

  it('SMA Data1 has no "today" channel: today is E-Total less the first E-Total read that day, from 0 again the next day', () => {
    const b = new SmaBoard();
    const ok = (t: number, eTotal: number): void => {
      b.reading(reading('sb', t, { p_ac: 1000, e_total: eTotal }));
      b.result({ id: 'sb', name: 'sb', transport: 'data1', status: 'ok', errorMessage: '', logonRefused: false, at: t });
    };
    ok(at(6, 30), 15000.25);
    assert.equal(b.cycle({ startedAt: at(6, 30), durationMs: 0 }, 'sma').payload[0]['today kWh'], 0);
    ok(at(13), 15008.75);
    assert.equal(b.cycle({ startedAt: at(13), durationMs: 0 }, 'sma').payload[0]['today kWh'], 8.5);
    ok(at(6, 30) + 24 * 3600000, 15020);
    assert.equal(b.cycle({ startedAt: at(6, 30) + 24 * 3600000, durationMs: 0 }, 'sma').payload[0]['today kWh'], 0);
  });

  it('an offline device empties the totals; an asleep one counts 0 W', () => {
    const b = new SmaBoard();
    b.reading(reading('a', at(12), { p_ac: 500, e_today: 2 }));
    b.result({ id: 'a', name: 'a', transport: 'data1', status: 'asleep', errorMessage: 'a asleep', logonRefused: false, at: at(12, 5) });
    const asleep = b.cycle({ startedAt: at(12, 5), durationMs: 0 }, 'sma');
    assert.deepEqual(asleep.payload[0], { inverter: 'a', state: 'asleep since 12:05', 'AC W': 0, 'today kWh': 2 });
    b.result({ id: 'a', name: 'a', transport: 'data1', status: 'error', errorMessage: 'x', logonRefused: false, at: at(12, 6) });
    assert.deepEqual(b.cycle({ startedAt: at(12, 6), durationMs: 0 }, 'sma').gauges, { p_ac: '', e_day_kwh: '' });
  });
});
