import * as assert from 'node:assert/strict';
import { decodeFields, fieldValue, storeRead } from '../../lib/xw/decoder';
import { XW_TABLE } from '../../lib/xw/registerTable';
import { encodeField } from '../../lib/sim/xwRegisterEncoding';

const f = (n: string) => XW_TABLE.field(n);
const image = (address: number, values: number[]) => {
  const m = new Map<number, number>();
  storeRead(m, address, values);
  return m;
};

describe('xw/decoder', () => {
  it('reads 32-bit values most-significant word first, scaled', () => {
    // 0x0000CC5D = 52317 mV
    assert.equal(fieldValue(f('battery_voltage'), image(0x50, [0x0000, 0xcc5d])), 52.317);
    // 0x0001_0000 = 65536 mV: the high word really is the high word
    assert.equal(fieldValue(f('battery_voltage'), image(0x50, [0x0001, 0x0000])), 65.536);
  });

  it('decodes signed 32-bit values', () => {
    // -28500 mA = 0xFFFF90AC
    assert.equal(fieldValue(f('battery_current'), image(0x52, [0xffff, 0x90ac])), -28.5);
    assert.equal(fieldValue(f('battery_power'), image(0x54, [0xffff, 0xfffe])), -2);
    assert.equal(fieldValue(f('battery_power'), image(0x54, [0x0000, 0x0002])), 2);
  });

  it('turns 0xFFFF and 0xFFFFFFFF into null, never 65535', () => {
    assert.equal(fieldValue(f('ac2_frequency'), image(0xa6, [0xffff])), null);
    assert.equal(fieldValue(f('ac2_voltage'), image(0xa2, [0xffff, 0xffff])), null);
    assert.equal(fieldValue(f('ac2_power'), image(0xac, [0xffff, 0xffff])), null);
    // a 32-bit value whose low word alone is 0xFFFF is a value
    assert.equal(fieldValue(f('ac2_voltage'), image(0xa2, [0x0000, 0xffff])), 65.535);
  });

  it('converts battery temperature from 0.01 K to °C and frequencies from 0.01 Hz', () => {
    assert.equal(fieldValue(f('battery_temperature'), image(0x56, [29765])), 24.5);
    assert.equal(fieldValue(f('ac1_frequency'), image(0x61, [6001])), 60.01);
  });

  it('gives enums as numbers and as text, unknown values named as such', () => {
    const r = decodeFields([f('inverter_status'), f('charger_status')], image(0x7a, [1036, 999]));
    assert.equal(r.inverter_status, 1036);
    assert.equal(r.inverter_status_text, 'Sell-to-Grid');
    assert.equal(r.charger_status_text, 'unknown (999)');
    const s = decodeFields([f('device_state')], image(0x40, [0xffff]));
    assert.equal(s.device_state, null);
    assert.equal(s.device_state_text, null);
  });

  it('round-trips the simulator encoding for every field of the table', () => {
    for (const field of XW_TABLE.fields) {
      const samples = field.enumText ? Object.keys(field.enumText).map(Number) : [0, 1, (field.scale ?? 1) * 12345 + (field.offset ?? 0)];
      if (field.type === 'i32' || field.type === 'i16') samples.push(-(field.scale ?? 1) * 321);
      for (const v of samples) {
        const want = Number(v.toFixed(6));
        const got = fieldValue(field, image(field.address, encodeField(field, want)));
        assert.equal(got, want, `${field.name} ${v}`);
      }
    }
  });
});
