import * as assert from 'node:assert/strict';
import { MAX_READ_REGISTERS, pollPlan, planOptionsFor, planOptionsForBus, XW_TURNAROUND_MS } from '../../lib/xw/pollPlanner';
import { charTimeMs } from '../../lib/bus/wireTiming';
import { XW_AC2_FIELDS, XW_ENERGY_FIELDS, XW_STATUS_FIELDS, XW_TABLE } from '../../lib/xw/registerTable';
import { recordException, UnitSplits } from '../../lib/xw/unitSplits';

const spans = (plan: ReturnType<typeof pollPlan>) => plan.map((r) => [r.address, r.count]);

describe('xw/pollPlanner', () => {
  it('reads the status fields in one 92-register read (Operating Mode is not among them)', () => {
    assert.ok(!XW_STATUS_FIELDS.includes('operating_mode'));
    for (const options of [{}, planOptionsFor(9600, 10), planOptionsFor(115200, 10)]) {
      const plan = pollPlan(XW_STATUS_FIELDS, undefined, options);
      assert.deepEqual(spans(plan), [[0x0040, 92]]);
      assert.equal(plan[0].fields.length, XW_STATUS_FIELDS.length);
    }
  });

  it('with AC2 / load VA: one read of 0x0040–0x00AD, across the 4-register gap', () => {
    assert.deepEqual(spans(pollPlan([...XW_STATUS_FIELDS, ...XW_AC2_FIELDS])), [[0x0040, 110]]);
  });

  it('takes its costs from the bus: baud, character format and pause', () => {
    const serial = (baudRate: number, parity: 'none' | 'even') => ({ kind: 'serial' as const, path: '/dev/x', baudRate, format: { dataBits: 8 as const, parity, stopBits: 1 as const } });
    const o = planOptionsForBus({ link: serial(9600, 'none'), pauseMs: 5 });
    assert.equal(o.overheadChars, 7 + (XW_TURNAROUND_MS + 5) / charTimeMs(9600));
    const even = planOptionsForBus({ link: serial(9600, 'even'), pauseMs: 0 });
    assert.equal(even.overheadChars, 7 + XW_TURNAROUND_MS / charTimeMs(9600, { dataBits: 8, parity: 'even', stopBits: 1 }));
    const tcp = planOptionsForBus({ link: { kind: 'tcp', host: 'h', port: 502, lineBaudRate: 115200 }, pauseMs: 0 });
    assert.equal(tcp.overheadChars, 7 + XW_TURNAROUND_MS / charTimeMs(115200));
    // a faster line makes a transaction's turnaround cost more characters
    assert.ok((tcp.overheadChars ?? 0) > (o.overheadChars ?? 0));
  });

  it('never reads more than 125 registers and never cuts a 32-bit value', () => {
    const plan = pollPlan(XW_ENERGY_FIELDS);
    assert.ok(plan.length >= 2);
    for (const r of plan) {
      assert.ok(r.count <= MAX_READ_REGISTERS, `${r.count} registers`);
      for (const f of r.fields) assert.ok(f.address >= r.address && f.end <= r.address + r.count);
    }
    assert.equal(plan.flatMap((r) => r.fields).length, 36);
  });

  it('reads far-apart fields separately and near ones together, by wire cost', () => {
    assert.deepEqual(spans(pollPlan(['device_state', 'operating_mode'])), [[0x0040, 1], [0x0166, 1]]);
    assert.deepEqual(spans(pollPlan(['charger_enabled', 'sell_enabled'])), [[0x0048, 2]]);
    // a 50-register gap costs 100 characters: cheaper as two reads
    assert.deepEqual(spans(pollPlan(['charger_enabled', 'charger_status'], undefined, { overheadChars: 26 })), [[0x0048, 1], [0x007b, 1]]);
    // with a slow unit (large turnaround) one read across the gap is cheaper
    assert.deepEqual(spans(pollPlan(['charger_enabled', 'charger_status'], undefined, planOptionsFor(19200, 100))), [[0x0048, 52]]);
  });

  it('splits a merged read at block boundaries after an exception, and remembers it', () => {
    const splits = new UnitSplits();
    const [merged] = pollPlan(XW_STATUS_FIELDS, splits);
    assert.equal(recordException(merged.fields, splits), 'split');
    const plan = pollPlan(XW_STATUS_FIELDS, splits);
    assert.deepEqual(spans(plan), [[0x0040, 14], [0x0050, 38], [0x007a, 2], [0x007e, 30]]);
    // remembered: the next plan for this unit is the split one; another unit still merges
    assert.deepEqual(spans(pollPlan(XW_STATUS_FIELDS, splits)), spans(plan));
    assert.equal(pollPlan(XW_STATUS_FIELDS, new UnitSplits())[0].count, 92);
  });

  it('halves a read inside one block, and marks a lone field unsupported', () => {
    const splits = new UnitSplits();
    const status = XW_TABLE.fields.filter((f) => f.block === 'status').map((f) => f.name);
    const [r] = pollPlan(status, splits);
    recordException(r.fields, splits);
    const halves = pollPlan(status, splits);
    assert.equal(halves.length, 2);
    assert.equal(halves.flatMap((h) => h.fields).length, status.length);
    assert.equal(recordException([XW_TABLE.field('charge_mode')], splits), 'unsupported');
    assert.ok(!pollPlan(status, splits).flatMap((h) => h.fields).some((f) => f.name === 'charge_mode'));
  });

  it('rejects unknown field names', () => {
    assert.throws(() => pollPlan(['no_such_field']), /unknown XW field "no_such_field"/);
  });
});
