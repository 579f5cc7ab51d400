/**
 * THE register table of Schneider Conext XW / XW+ / XW Pro units: every address this package
 * reads or writes, in one place, with its source. A correction is a one-line change here; the
 * table is checked when this module loads (lib/xw/tableCheck.ts).
 *
 * Addresses are 0-based as on the wire (function 3 reads, 6/16 writes). Facts and sources:
 * shared reference xw-modbus.md, which cites Schneider document 990-6268B through
 * csmadeit/ha-schneider-xw-pro (registers.py), mmercalde/mercalde-solar (pi5/schneider_modbus.py,
 * agent/docs/energy_registers.md), sneelco/hass-addon-pvs-recorder (ess/devices/inverter503.py),
 * jwthecolorist/dbus-conext-bridge, extrafu/berrybms. Not checked against the PDF itself.
 */
import type { BlockSpec, FieldSpec, RegisterType, ReservedSpec } from './registerTypes';
import {
  CHARGE_MODE_TEXT,
  CHARGER_STATUS_TEXT,
  DEVICE_STATE_TEXT,
  FORCE_CHARGER_STATE_TEXT,
  INVERTER_STATUS_TEXT,
  OPERATING_MODE_TEXT,
} from './enumTexts';
import { buildRegisterTable } from './tableCheck';

type Extra = Partial<Pick<FieldSpec, 'scale' | 'offset' | 'enumText' | 'writable'>>;

function field(name: string, address: number, type: RegisterType, unit: string, description: string, extra: Extra = {}): FieldSpec {
  return { name, address, type, unit, description, ...extra };
}
function reserved(address: number, count: number): ReservedSpec {
  return { address, reserved: count };
}

const mV = { scale: 0.001 };
const mA = { scale: 0.001 };
const centiHz = { scale: 0.01 };
const onOff = 'on/off: 1 or 0';

/** Energy counters: six categories × six periods, uint32 ×0.001 kWh, 4 registers apart. */
const ENERGY_CATEGORIES = [
  { key: 'from_battery', base: 0x00d0, what: 'energy taken from the battery' },
  { key: 'to_battery', base: 0x00e8, what: 'energy put into the battery' },
  { key: 'grid_in', base: 0x0100, what: 'energy drawn from the grid (AC1)' },
  { key: 'grid_out', base: 0x0118, what: 'energy sold to the grid (AC1)' },
  { key: 'load', base: 0x0130, what: 'energy delivered to the loads' },
  { key: 'generator', base: 0x0148, what: 'energy drawn from the generator (AC2)' },
] as const;
const ENERGY_PERIODS = ['hour', 'today', 'week', 'month', 'year', 'lifetime'] as const;

function energyEntries(): (FieldSpec | ReservedSpec)[] {
  const out: (FieldSpec | ReservedSpec)[] = [];
  for (const c of ENERGY_CATEGORIES) {
    ENERGY_PERIODS.forEach((p, i) => {
      const address = c.base + 4 * i;
      out.push(field(`energy_${c.key}_${p}`, address, 'u32', 'kWh', `${c.what}, this ${p === 'lifetime' ? 'unit\'s life' : p}`, { scale: 0.001 }));
      const lastOfTable = c === ENERGY_CATEGORIES[ENERGY_CATEGORIES.length - 1] && i === ENERGY_PERIODS.length - 1;
      if (!lastOfTable) out.push(reserved(address + 2, 2));
    });
  }
  return out;
}

export const XW_BLOCKS: readonly BlockSpec[] = [
  {
    name: 'status',
    first: 0x0040,
    last: 0x004d,
    source: 'xw-modbus.md "Status registers" (990-6268B via csmadeit/ha-schneider-xw-pro registers.py)',
    entries: [
      field('device_state', 0x0040, 'u16', '', 'device state (3 = Operating)', { enumText: DEVICE_STATE_TEXT }),
      reserved(0x0041, 1),
      field('fault_bitmap_1', 0x0042, 'u16', '', 'active fault bits, word 1'),
      field('fault_bitmap_2', 0x0043, 'u16', '', 'active fault bits, word 2'),
      field('fault_bitmap_3', 0x0044, 'u16', '', 'active fault bits, word 3'),
      field('fault_bitmap_4', 0x0045, 'u16', '', 'active fault bits, word 4'),
      field('warning_bitmap', 0x0046, 'u16', '', 'active warning bits'),
      field('inverter_enabled', 0x0047, 'u16', '', `inverter enabled (status), ${onOff}`),
      field('charger_enabled', 0x0048, 'u16', '', `charger enabled (status), ${onOff}`),
      field('sell_enabled', 0x0049, 'u16', '', `sell enabled (status), ${onOff}`),
      reserved(0x004a, 1),
      field('active_faults', 0x004b, 'u16', '', 'active faults flag'),
      field('active_warnings', 0x004c, 'u16', '', 'active warnings flag'),
      field('charge_mode', 0x004d, 'u16', '', 'charge mode in a multi-unit system', { enumText: CHARGE_MODE_TEXT }),
    ],
  },
  {
    name: 'dc_ac1',
    first: 0x0050,
    last: 0x0075,
    source: 'xw-modbus.md "Measurements" (mmercalde/mercalde-solar pi5/schneider_modbus.py, sneelco ess/modbus)',
    entries: [
      field('battery_voltage', 0x0050, 'u32', 'V', 'battery (DC) voltage', mV),
      field('battery_current', 0x0052, 'i32', 'A', 'battery (DC) current, positive into the unit', mA),
      field('battery_power', 0x0054, 'i32', 'W', 'battery (DC) power'),
      // ×0.01 K; the offset turns kelvin into °C
      field('battery_temperature', 0x0056, 'u16', '°C', 'battery temperature', { scale: 0.01, offset: -273.15 }),
      reserved(0x0057, 1),
      field('invert_dc_current', 0x0058, 'i32', 'A', 'DC current while inverting', mA),
      field('invert_dc_power', 0x005a, 'i32', 'W', 'DC power while inverting'),
      field('charge_dc_current', 0x005c, 'i32', 'A', 'DC current while charging', mA),
      field('charge_dc_power', 0x005e, 'i32', 'W', 'DC power while charging'),
      field('charge_power_percent', 0x0060, 'u16', '%', 'charge power, percent of rated'),
      field('ac1_frequency', 0x0061, 'u16', 'Hz', 'AC1 (grid) frequency', centiHz),
      field('ac1_voltage', 0x0062, 'u32', 'V', 'AC1 (grid) voltage', mV),
      field('ac1_current', 0x0064, 'i32', 'A', 'AC1 (grid) current', mA),
      field('ac1_power', 0x0066, 'i32', 'W', 'AC1 (grid) power'),
      reserved(0x0068, 6),
      field('ac1_l1_voltage', 0x006e, 'u32', 'V', 'AC1 L1 voltage', mV),
      field('ac1_l2_current', 0x0070, 'i32', 'A', 'AC1 L2 current', mA),
      field('ac1_l2_voltage', 0x0072, 'u32', 'V', 'AC1 L2 voltage', mV),
      field('ac1_l1_current', 0x0074, 'i32', 'A', 'AC1 L1 current', mA),
    ],
  },
  {
    name: 'inverter_charger_status',
    first: 0x007a,
    last: 0x007b,
    source: 'xw-modbus.md "Status registers" (990-6268B via csmadeit/ha-schneider-xw-pro; extrafu/berrybms ConextXW.py)',
    entries: [
      field('inverter_status', 0x007a, 'u16', '', 'inverter status', { enumText: INVERTER_STATUS_TEXT }),
      field('charger_status', 0x007b, 'u16', '', 'charger status', { enumText: CHARGER_STATUS_TEXT }),
    ],
  },
  {
    name: 'grid_output_load',
    first: 0x007e,
    last: 0x009b,
    // types of 0x7E–0x84 are not given publicly; taken as AC1's (u32 V, i32 A, u16 Hz, i32 W)
    source: 'xw-modbus.md "Measurements" (jwthecolorist/dbus-conext-bridge conext-poller.py; grid output types by analogy with AC1)',
    entries: [
      field('grid_output_voltage', 0x007e, 'u32', 'V', 'grid output voltage', mV),
      field('grid_output_current', 0x0080, 'i32', 'A', 'grid output current', mA),
      field('grid_output_frequency', 0x0082, 'u16', 'Hz', 'grid output frequency', centiHz),
      reserved(0x0083, 1),
      field('grid_output_power', 0x0084, 'i32', 'W', 'grid output power'),
      reserved(0x0086, 6),
      field('load_voltage', 0x008c, 'u32', 'V', 'load (AC out) voltage', mV),
      reserved(0x008e, 8),
      field('load_current', 0x0096, 'i32', 'A', 'load (AC out) current', mA),
      field('load_frequency', 0x0098, 'u16', 'Hz', 'load (AC out) frequency', centiHz),
      reserved(0x0099, 1),
      field('load_power', 0x009a, 'i32', 'W', 'load (AC out) power'),
    ],
  },
  {
    name: 'ac2',
    first: 0x00a0,
    last: 0x00ad,
    // read 0xFFFF / 0xFFFFFFFF where no generator is wired; types by analogy with AC1
    source: 'xw-modbus.md "Measurements" 0x00A0–0x00AC (mmercalde/mercalde-solar; types by analogy with AC1)',
    entries: [
      field('load_apparent_power', 0x00a0, 'u32', 'VA', 'load apparent power'),
      field('ac2_voltage', 0x00a2, 'u32', 'V', 'AC2 (generator) voltage', mV),
      field('ac2_current', 0x00a4, 'i32', 'A', 'AC2 (generator) current', mA),
      field('ac2_frequency', 0x00a6, 'u16', 'Hz', 'AC2 (generator) frequency', centiHz),
      reserved(0x00a7, 5),
      field('ac2_power', 0x00ac, 'i32', 'W', 'AC2 (generator) power'),
    ],
  },
  {
    name: 'energy',
    first: 0x00d0,
    last: 0x015d,
    source: 'xw-modbus.md "Energy counters" (mmercalde/mercalde-solar agent/docs/energy_registers.md)',
    entries: energyEntries(),
  },
  {
    name: 'control',
    first: 0x0161,
    last: 0x016f,
    source: 'xw-modbus.md "Control registers" (csmadeit/ha-schneider-xw-pro registers.py; mmercalde/mercalde-solar pi5/app.py; sneelco inverter503.py)',
    entries: [
      field('inverter_enable_setting', 0x0161, 'u16', '', `Inverter Enable (control), ${onOff}`, { writable: true }),
      field('sell_enable_setting', 0x0162, 'u16', '', `Grid Support Sell Enable (control), ${onOff}`, { writable: true }),
      field('force_sell_setting', 0x0163, 'u16', '', `Force Sell (control), ${onOff}`, { writable: true }),
      field('charger_enable_setting', 0x0164, 'u16', '', `Charger Enable (control), ${onOff}`, { writable: true }),
      field('force_charger_state', 0x0165, 'u16', '', 'Force Charger State (control)', { writable: true, enumText: FORCE_CHARGER_STATE_TEXT }),
      field('operating_mode', 0x0166, 'u16', '', 'Operating Mode (control, reads back): 2 Standby, 3 Operating', { writable: true, enumText: OPERATING_MODE_TEXT }),
      reserved(0x0167, 2),
      field('search_mode', 0x0169, 'u16', '', `Search Mode (control), ${onOff}`, { writable: true }),
      field('inverter_mode', 0x016a, 'u16', '', 'Inverter Mode (control): 3 Grid Tied, 4 AC Coupling, …', { writable: true }),
      reserved(0x016b, 4),
      field('max_charge_rate', 0x016f, 'u16', '%', 'Max Charge Rate (control)', { writable: true }),
    ],
  },
  {
    name: 'sell_limits',
    first: 0x01b4,
    last: 0x01b7,
    source: 'xw-modbus.md "Control registers" (sneelco/hass-addon-pvs-recorder ess/devices/inverter503.py)',
    entries: [
      field('max_sell_current', 0x01b4, 'u32', 'A', 'Maximum Sell Amps (control)', { scale: 0.001, writable: true }),
      field('load_shave_current', 0x01b6, 'u32', 'A', 'Load Shave Amps (control)', { scale: 0.001, writable: true }),
    ],
  },
];

/** The checked table: fields by name, in address order. Throws at load when the blocks are wrong. */
export const XW_TABLE = buildRegisterTable(XW_BLOCKS);

/**
 * The fields polled every cycle by default: status, DC, AC1, inverter/charger status, load — one
 * 92-register read per unit (0x0040–0x009B). Operating Mode (0x0166) is not among them: it
 * changes only by command, so it is read on its own cadence (XwPoller), and standby is reported
 * every cycle from Inverter Status 1032.
 */
export const XW_STATUS_FIELDS: readonly string[] = XW_TABLE.fields
  .filter((f) => ['status', 'dc_ac1', 'inverter_charger_status', 'grid_output_load'].includes(f.block))
  .map((f) => f.name);

/** Load apparent power and AC2 (generator): polled with the status fields when the poll is set to (units that have them). */
export const XW_AC2_FIELDS: readonly string[] = XW_TABLE.fields.filter((f) => f.block === 'ac2').map((f) => f.name);

/** The energy counters, polled at a slower cadence in the background class. */
export const XW_ENERGY_FIELDS: readonly string[] = XW_TABLE.fields.filter((f) => f.block === 'energy').map((f) => f.name);
