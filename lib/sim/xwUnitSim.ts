/**
 * One simulated Conext XW unit: its register image from the register table, live values that
 * move, and a state machine in which a written control takes effect only after a switch delay.
 * Time is read from a clock when a request arrives, so nothing runs between requests (no timers).
 *
 * Behaviour modelled (shared reference xw-modbus.md):
 * - control registers (Operating Mode included) echo a write at once; the status registers
 *   (enables, Device State, Inverter Status) follow after the switch delay;
 * - in standby (Operating Mode 2) every write but Operating Mode is acknowledged and ignored;
 * - "stuck": writes are acknowledged, echoed (Operating Mode reads what was written), and never
 *   acted on: the status stays as it was;
 * - addresses outside the table's blocks (and the short gaps between them) answer exception 2;
 *   absent AC2 reads 0xFFFF(FFFF);
 * - optionally every undocumented register answers exception 2, to exercise the planner's splits.
 */
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { CHARGER_STATUS_DISABLED, OPERATING_MODE } from '../xw/enumTexts';
import { XW_TABLE } from '../xw/registerTable';
import type { FieldDef } from '../xw/registerTypes';
import { EXCEPTION } from './modbusRequest';
import { encodeField } from './xwRegisterEncoding';

export interface XwUnitOptions {
  /** ms from a write to the status showing it; default 500 */
  switchDelayMs?: number;
  /** acknowledges writes and never changes state */
  stuck?: boolean;
  /** a generator on AC2; default false (AC2 reads "no value") */
  ac2Present?: boolean;
  /** the undocumented registers inside the blocks answer exception 2 (default: they read 0) */
  refuseUndocumented?: boolean;
  /** values move with time (default true); false freezes them for exact comparisons */
  live?: boolean;
  charger?: 0 | 1;
  sell?: 0 | 1;
  operatingMode?: 2 | 3;
}

interface ModeState {
  charger: number;
  sell: number;
  inverter: number;
  operatingMode: number;
}

interface PendingChange {
  at: number;
  apply(s: ModeState): void;
}

/**
 * Device State reported in standby: not found publicly (xw-modbus.md); 5 "Remote Power Off"
 * is a guess. The writer does not rely on it: standby is confirmed by Inverter Status 1032.
 */
const DEVICE_STATE_STANDBY = 5;

/** gaps between documented blocks up to this many registers are readable (read 0) */
const SHORT_GAP = 8;

export class XwUnitSim {
  readonly switchDelayMs: number;
  stuck: boolean;
  ac2Present: boolean;
  refuseUndocumented: boolean;
  live: boolean;
  /** the effective state (what the status registers show) */
  private readonly state: ModeState;
  /** control registers as last written (their echo) */
  private readonly control = new Map<number, number>();
  private pending: PendingChange[] = [];
  private readonly startedAt: number;

  constructor(
    readonly unit: number,
    opts: XwUnitOptions = {},
    private readonly clock: Pick<Scheduler, 'now'> = systemScheduler,
  ) {
    this.switchDelayMs = opts.switchDelayMs ?? 500;
    this.stuck = opts.stuck ?? false;
    this.ac2Present = opts.ac2Present ?? false;
    this.refuseUndocumented = opts.refuseUndocumented ?? false;
    this.live = opts.live ?? true;
    this.state = { charger: opts.charger ?? 0, sell: opts.sell ?? 0, inverter: 1, operatingMode: opts.operatingMode ?? OPERATING_MODE.operating };
    this.startedAt = clock.now();
    this.syncControlEcho();
  }

  /** Sets the state at once (test setup), echo included. */
  setState(s: Partial<{ charger: 0 | 1; sell: 0 | 1; operatingMode: 2 | 3 }>): void {
    this.settle();
    if (s.charger !== undefined) this.state.charger = s.charger;
    if (s.sell !== undefined) this.state.sell = s.sell;
    if (s.operatingMode !== undefined) this.state.operatingMode = s.operatingMode;
    this.syncControlEcho();
  }

  /** The effective state now. */
  get mode(): Readonly<ModeState> {
    this.settle();
    return { ...this.state };
  }

  readHolding(address: number, count: number): number[] | { exception: number } {
    this.settle();
    const image = this.image();
    const out: number[] = [];
    for (let a = address; a < address + count; a++) {
      const v = image.get(a);
      if (v === undefined) return { exception: EXCEPTION.illegalDataAddress };
      out.push(v);
    }
    return out;
  }

  write(address: number, values: number[]): { exception: number } | void {
    this.settle();
    const fields: FieldDef[] = [];
    for (let i = 0; i < values.length; i++) {
      const f = XW_TABLE.fields.find((x) => x.address === address + i && x.writable && x.width === 1);
      if (!f) return { exception: EXCEPTION.illegalDataAddress };
      fields.push(f);
    }
    for (let i = 0; i < values.length; i++) {
      if (!validValue(fields[i].name, values[i])) return { exception: EXCEPTION.illegalDataValue };
    }
    const inStandby = this.state.operatingMode === OPERATING_MODE.standby;
    fields.forEach((f, i) => {
      const v = values[i];
      // standby: acknowledged and ignored, except Operating Mode
      if (inStandby && f.name !== 'operating_mode') return;
      this.control.set(f.address, v);
      if (this.stuck) return;
      const apply = effectOf(f.name, v);
      if (apply) this.pending.push({ at: this.clock.now() + this.switchDelayMs, apply });
    });
  }

  /** Engineering values the unit shows now, by field name (null = "no value"), for tests. */
  values(): Record<string, number | null> {
    this.settle();
    const s = this.state;
    const t = this.live ? (this.clock.now() - this.startedAt) / 1000 : 0;
    const wave = (period: number, amp: number) => amp * Math.sin((2 * Math.PI * t) / period + this.unit);
    const operating = s.operatingMode === OPERATING_MODE.operating;
    const charging = operating && s.charger === 1;
    const selling = operating && s.sell === 1 && !charging;
    const batteryCurrent = round(charging ? 28 + wave(17, 2) : selling ? -38 + wave(13, 3) : operating ? -4 + wave(11, 1) : 0, 3);
    const batteryVoltage = round(52.4 + (charging ? 1.1 : selling ? -0.8 : 0) + wave(23, 0.15), 3);
    const batteryPower = Math.round(batteryVoltage * batteryCurrent);
    const load = Math.round(850 + wave(31, 120));
    const ac1Voltage = round(240.2 + wave(7, 1.3), 3);
    const ac1Power = operating ? Math.round(load + (charging ? batteryPower / 0.94 : selling ? batteryPower * 0.94 : 0)) : 0;
    const ac1Current = round(ac1Power / ac1Voltage, 3);
    const loadVoltage = round(ac1Voltage - 0.4, 3);
    const ac2 = this.ac2Present;
    return {
      device_state: operating ? 3 : DEVICE_STATE_STANDBY,
      fault_bitmap_1: 0, fault_bitmap_2: 0, fault_bitmap_3: 0, fault_bitmap_4: 0, warning_bitmap: 0,
      inverter_enabled: s.inverter,
      charger_enabled: operating ? s.charger : 0,
      sell_enabled: operating ? s.sell : 0,
      active_faults: 0,
      active_warnings: 0,
      charge_mode: this.unit === 10 ? 1 : 2,
      battery_voltage: batteryVoltage,
      battery_current: batteryCurrent,
      battery_power: batteryPower,
      battery_temperature: round(24.5 + wave(300, 0.5), 2),
      invert_dc_current: batteryCurrent < 0 ? -batteryCurrent : 0,
      invert_dc_power: batteryPower < 0 ? -batteryPower : 0,
      charge_dc_current: batteryCurrent > 0 ? batteryCurrent : 0,
      charge_dc_power: batteryPower > 0 ? batteryPower : 0,
      charge_power_percent: charging ? 45 : 0,
      ac1_frequency: round(60 + wave(5, 0.02), 2),
      ac1_voltage: ac1Voltage,
      ac1_current: ac1Current,
      ac1_power: ac1Power,
      ac1_l1_voltage: round(ac1Voltage / 2, 3),
      ac1_l2_current: round(ac1Current, 3),
      ac1_l2_voltage: round(ac1Voltage / 2, 3),
      ac1_l1_current: round(ac1Current, 3),
      inverter_status: !operating ? 1032 : selling ? 1036 : charging ? 1025 : 1034,
      charger_status: !operating || s.charger === 0 ? CHARGER_STATUS_DISABLED : batteryVoltage > 53.4 ? 773 : 769,
      grid_output_voltage: ac1Voltage,
      grid_output_current: selling ? round(-ac1Current, 3) : 0,
      grid_output_frequency: round(60 + wave(5, 0.02), 2),
      grid_output_power: selling ? -ac1Power : 0,
      load_voltage: loadVoltage,
      load_current: round(load / loadVoltage, 3),
      load_frequency: round(60 + wave(5, 0.02), 2),
      load_power: load,
      load_apparent_power: Math.round(load * 1.05),
      ac2_voltage: ac2 ? 239.1 : null,
      ac2_current: ac2 ? 0 : null,
      ac2_frequency: ac2 ? 60 : null,
      ac2_power: ac2 ? 0 : null,
      ...this.energy(t),
      inverter_enable_setting: this.control.get(0x0161) ?? s.inverter,
      sell_enable_setting: this.control.get(0x0162) ?? 0,
      force_sell_setting: this.control.get(0x0163) ?? 0,
      charger_enable_setting: this.control.get(0x0164) ?? 0,
      force_charger_state: this.control.get(0x0165) ?? 1,
      // the echo of the last write; the effective mode shows in Device State / Inverter Status
      operating_mode: this.control.get(0x0166) ?? s.operatingMode,
      search_mode: this.control.get(0x0169) ?? 0,
      inverter_mode: this.control.get(0x016a) ?? 3,
      max_charge_rate: this.control.get(0x016f) ?? 100,
      max_sell_current: 30,
      load_shave_current: 20,
    };
  }

  private energy(t: number): Record<string, number> {
    const out: Record<string, number> = {};
    const periods = { hour: 0.4, today: 6.2, week: 41.5, month: 180.25, year: 2150.75, lifetime: 12840.125 };
    for (const f of XW_TABLE.fields) {
      if (f.block !== 'energy') continue;
      const period = f.name.split('_').pop() as keyof typeof periods;
      out[f.name] = round(periods[period] * (1 + (this.unit % 10) / 10) + t / 3600, 3);
    }
    return out;
  }

  /** The register image now: every documented address; the gaps read 0 unless refused. */
  private image(): Map<number, number> {
    const v = this.values();
    const image = new Map<number, number>();
    if (!this.refuseUndocumented) {
      // undocumented registers inside a block, and short gaps between blocks, read 0; so a merged
      // read of 0x0040–0x009B (92 registers) is answered, as public programs do it
      XW_TABLE.blocks.forEach((block, i) => {
        const next = XW_TABLE.blocks[i + 1];
        const end = next && next.first - block.last <= SHORT_GAP ? next.first - 1 : block.last;
        for (let a = block.first; a <= end; a++) image.set(a, 0);
      });
    }
    for (const f of XW_TABLE.fields) encodeField(f, v[f.name] ?? null).forEach((r, i) => image.set(f.address + i, r));
    return image;
  }

  private settle(): void {
    const now = this.clock.now();
    const due = this.pending.filter((p) => p.at <= now).sort((a, b) => a.at - b.at);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.at > now);
    for (const p of due) p.apply(this.state);
  }

  private syncControlEcho(): void {
    this.control.set(0x0161, this.state.inverter);
    this.control.set(0x0162, this.state.sell);
    this.control.set(0x0164, this.state.charger);
    this.control.set(0x0166, this.state.operatingMode);
  }
}

function validValue(field: string, v: number): boolean {
  switch (field) {
    case 'operating_mode':
      return v === OPERATING_MODE.standby || v === OPERATING_MODE.operating;
    case 'force_charger_state':
      return v >= 1 && v <= 3;
    case 'max_charge_rate':
      return v <= 100;
    case 'inverter_mode':
      return v <= 4;
    default:
      return v === 0 || v === 1;
  }
}

function effectOf(field: string, v: number): ((s: ModeState) => void) | undefined {
  switch (field) {
    case 'charger_enable_setting':
      return (s) => void (s.charger = v);
    case 'sell_enable_setting':
      return (s) => void (s.sell = v);
    case 'inverter_enable_setting':
      return (s) => void (s.inverter = v);
    case 'operating_mode':
      return (s) => void (s.operatingMode = v);
    default:
      return undefined;
  }
}

function round(x: number, decimals: number): number {
  return Number(x.toFixed(decimals));
}
