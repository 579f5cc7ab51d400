import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XW_BLOCKS, XW_ENERGY_FIELDS, XW_STATUS_FIELDS, XW_TABLE } from '../../lib/xw/registerTable';
import { buildRegisterTable } from '../../lib/xw/tableCheck';
import type { BlockSpec } from '../../lib/xw/registerTypes';

describe('xw/registerTable', () => {
  it('holds every field the issue names, snake_case, with units and sources', () => {
    const required = ['device_state', 'operating_mode', 'inverter_enabled', 'charger_enabled', 'sell_enabled', 'inverter_status', 'charger_status', 'active_faults', 'active_warnings', 'battery_voltage', 'battery_current', 'battery_power', 'battery_temperature', 'ac1_voltage', 'ac1_current', 'ac1_power', 'ac1_frequency', 'load_voltage', 'load_current', 'load_power', 'load_frequency'];
    for (const name of required) {
      assert.ok(XW_TABLE.has(name), name);
      // Operating Mode is read on its own cadence (it changes only by command), not every cycle
      if (name !== 'operating_mode') assert.ok(XW_STATUS_FIELDS.includes(name), `${name} polled every cycle`);
    }
    assert.equal(XW_TABLE.field('battery_voltage').unit, 'V');
    assert.equal(XW_TABLE.field('battery_temperature').unit, '°C');
    assert.equal(XW_TABLE.field('ac1_frequency').unit, 'Hz');
    assert.equal(XW_TABLE.field('energy_load_today').unit, 'kWh');
    for (const b of XW_TABLE.blocks) assert.ok(b.source.length > 10, `${b.name} has a source`);
  });

  it('puts the documented addresses where xw-modbus.md says', () => {
    const at = (n: string) => XW_TABLE.field(n).address;
    assert.equal(at('device_state'), 0x0040);
    assert.equal(at('charger_enabled'), 0x0048);
    assert.equal(at('inverter_status'), 0x007a);
    assert.equal(at('charger_status'), 0x007b);
    assert.equal(at('battery_voltage'), 0x0050);
    assert.equal(at('load_power'), 0x009a);
    assert.equal(at('sell_enable_setting'), 0x0162);
    assert.equal(at('charger_enable_setting'), 0x0164);
    assert.equal(at('operating_mode'), 0x0166);
    assert.equal(at('energy_generator_lifetime'), 0x0148 + 0x14);
    assert.equal(XW_ENERGY_FIELDS.length, 36);
  });

  it('fails at load on a misplaced field, saying got and expected', () => {
    const bad: BlockSpec = {
      name: 't', first: 10, last: 13, source: 'test',
      entries: [
        { name: 'a_value', address: 10, type: 'u32', unit: '', description: '' },
        { name: 'b_value', address: 11, type: 'u16', unit: '', description: '' },
      ],
    };
    assert.throws(() => buildRegisterTable([bad]), /b_value: got address 11 \(0x000B\), expected 12 \(0x000C\)/);
  });

  it('fails at load when entries do not fill the block, or blocks overlap, or names repeat', () => {
    const block = (name: string, first: number, last: number, fieldName = `${name}_x`): BlockSpec => ({
      name, first, last, source: 'test', entries: [{ name: fieldName, address: first, type: 'u16', unit: '', description: '' }],
    });
    assert.throws(() => buildRegisterTable([block('a', 1, 2)]), /got 1 \(0x0001\), expected 2 \(0x0002\)/);
    assert.throws(() => buildRegisterTable([block('a', 1, 1), block('b', 1, 1)]), /overlaps/);
    assert.throws(() => buildRegisterTable([block('a', 1, 1, 'same'), block('b', 2, 2, 'same')]), /declared twice/);
  });

  it('the real table passes its own check (it is built at load)', () => {
    assert.doesNotThrow(() => buildRegisterTable(XW_BLOCKS));
  });

  it('docs/xw-fields.md lists every field with its address', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'docs', 'xw-fields.md'), 'utf8');
    for (const f of XW_TABLE.fields) assert.match(doc, new RegExp(`\\| \`${f.name}\` \\| ${f.address} \\(`), f.name);
  });
});
