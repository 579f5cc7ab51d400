import * as assert from 'node:assert/strict';
import { MAX_READ_REGISTERS, pollPlan, planOptionsFor } from '../../lib/xw/pollPlanner';
import { XW_ENERGY_FIELDS, XW_STATUS_FIELDS, XW_TABLE } from '../../lib/xw/registerTable';
import { recordException, UnitSplits } from '../../lib/xw/unitSplits';

const spans = (plan: ReturnType<typeof pollPlan>) => plan.map((r) => [r.address, r.count]);

describe('xw/pollPlanner', () => {
  it('merges the status block into one 92-register read plus Operating Mode', () => {
    const plan = pollPlan(XW_STATUS_FIELDS);
    assert.deepEqual(spans(plan), [[0x0040, 92], [0x0166, 1]]);
    assert.equal(plan[0].fields.length + plan[1].fields.length, XW_STATUS_FIELDS.length);
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
    assert.deepEqual(spans(plan), [[0x0040, 14], [0x0050, 38], [0x007a, 2], [0x007e, 30], [0x0166, 1]]);
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
