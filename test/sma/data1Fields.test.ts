import * as assert from 'node:assert/strict';
import { decodeValues, encodeChannel, parseChannelList, type Data1Channel } from '../../lib/sma/data1Channels';
import { data1Fields, fieldRowOf, unitFactor } from '../../lib/sma/data1Fields';
import { LRI_FIELDS } from '../../lib/sma/lriTable';

const ch = (index: number, name: string, cls: Data1Channel['cls'], nType: number, unit: string, gain: number, texts: string[] = []): Data1Channel => ({
  index,
  cType: 0x0900 | { analog: 1, digital: 2, counter: 4, status: 8 }[cls],
  nType,
  level: 0,
  name,
  cls,
  unit,
  gain,
  offset: 0,
  texts,
});

/** the channels as they arrive: through the list codec, so gains are float32 */
function arrived(channels: Data1Channel[]): Data1Channel[] {
  const parsed = parseChannelList(Buffer.concat(channels.map(encodeChannel)));
  assert.ok(parsed.ok);
  return parsed.value;
}

function spotReply(values: Buffer[]): Buffer {
  const head = Buffer.alloc(13);
  head.writeUInt16LE(0x090f, 0);
  head.writeUInt16LE(1, 3);
  head.writeUInt32LE(1700000000, 5);
  return Buffer.concat([head, ...values]);
}
const u16 = (v: number): Buffer => Buffer.from([v & 0xff, v >> 8]);
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const f32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return b;
};

describe('SMA Data1 channel names → reading fields', () => {
  it('names the fields as lib/sma/lriTable.ts does for Bluetooth and Speedwire', () => {
    const lriNames = new Set(Object.values(LRI_FIELDS).map((f) => (f.perString ? `${f.field}_1` : f.field)));
    for (const name of ['Pac', 'Upv-Ist', 'Ipv', 'Uac', 'Iac', 'Fac', 'E-Total', 'h-Total', 'h-On', 'Status']) {
      const row = fieldRowOf(name);
      assert.ok(row, name);
      assert.ok(lriNames.has(row.field), `${name} → ${row.field} is a field name of the LRI table`);
    }
    assert.equal(fieldRowOf(' e-total ')?.field, 'e_total', 'names compared without case and padding');
  });

  it('converts unit prefixes and refuses other quantities', () => {
    assert.equal(unitFactor('mA', 'A'), 0.001);
    assert.equal(unitFactor('Wh', 'kWh'), 0.001);
    assert.equal(unitFactor('kWh', 'kWh'), 1);
    assert.equal(unitFactor('mOhm', 'Ohm'), 0.001);
    assert.equal(unitFactor('degC', '°C'), 1);
    assert.equal(unitFactor('', 'V'), 1, 'a channel without a unit is taken as it is');
    assert.equal(unitFactor('V', 'A'), undefined);
    assert.equal(unitFactor('kWh', 'h'), undefined);
  });

  it('gives values at the resolution of their float32 gain, converted, status as text, not-available left out', () => {
    const channels = arrived([
      ch(1, 'Upv-Ist', 'analog', 1, 'V', 0.1),
      ch(2, 'Ipv', 'analog', 1, 'mA', 1),
      ch(3, 'Uac', 'analog', 1, 'A', 1), // a Uac in amperes: not the field's quantity
      ch(4, 'TKK', 'analog', 4, '°C', 1),
      ch(5, 'E-Total', 'counter', 2, 'Wh', 1),
      ch(6, 'h-On', 'counter', 2, 'h', 0.01),
      ch(7, 'Status', 'status', 0, '', 1, ['Stop', 'Mpp']),
      ch(8, 'Zac-Srr', 'analog', 1, 'Ohm', 1), // not in the table
      ch(9, 'Fac', 'analog', 1, 'Hz', 0.01),
    ]);
    assert.notEqual(channels[0].gain, 0.1, 'the gain arrived as float32');
    const reply = spotReply([u16(2304), u16(5889), u16(10), f32(NaN), u32(25006103), u32(4200425), Buffer.from([1]), u16(3), u16(5001)]);
    const values = decodeValues(reply, channels);
    assert.ok(values.ok);
    assert.deepEqual(data1Fields(values.value, channels), {
      u_dc_1: 230.4,
      i_dc_1: 5.889,
      e_total: 25006.103,
      h_operating: 42004.25,
      status: 'Mpp',
      f_ac: 50.01,
    });
  });
});
