/**
 * Peak shaving for XW battery inverters, framework-free on an injectable wall clock.
 *
 * Modelled on OpenEMS's peak-shaving controller (io.openems.edge.controller.symmetric.peakshaving):
 * the decision looks at the site's load WITHOUT the battery (grid power minus what the battery
 * adds), so selling does not make the reading fall below the stop threshold and flap. The XW takes
 * modes, not a power set-point, so instead of OpenEMS's "discharge by load − peak power" every cycle
 * this switches modes with hysteresis (sell above, stop below), a minimum time between commands and
 * battery limits of its own (README "Peak shaving").
 */
import type { CommandName } from '../xw/commandTable';
import type { PeakSettings } from './peakSettings';
import { inWindows } from './timeWindows';

export interface WallClock {
  /** ms since the epoch (time windows are wall-clock) */
  now(): number;
}

export type PeakMode = 'idle' | 'selling' | 'charging';

/** why the controller did or did not act: an i18n key of the node (status.<why>) */
export type PeakWhy = 'noData' | 'stale' | 'standby' | 'unitDown' | 'batteryLow' | 'wait' | 'outsideWindow' | 'peak' | 'peakOver' | 'lowLoad' | 'charged' | 'chargePeak' | 'holding';

export interface PeakDecision {
  /** commands to send, in order (empty: stay quiet) */
  commands: CommandName[];
  /** the mode asked for after these commands */
  mode: PeakMode;
  why: PeakWhy;
  /** the figures the decision used (null when unknown) */
  grid: number | null;
  load: number | null;
  battery: number | null;
}

interface Stamped<T> {
  value: T;
  at: number;
}

/** the fields the controller reads from xw-poll's messages */
export interface PeakFields {
  /** summary field with the grid power, W ('' = grid only from number payloads) */
  gridField: string;
  /** summary field with the battery level (battery_voltage, or a SOC field) */
  batteryField: string;
  /** summary field with the battery power, W, positive charging ('' = do not correct) */
  batteryPowerField: string;
}

export const PEAK_FIELDS: PeakFields = { gridField: 'ac1_power', batteryField: 'battery_voltage', batteryPowerField: 'battery_power' };

const STANDBY = 2;

export class PeakShaver {
  private grid: Stamped<number> | undefined;
  private battery: Stamped<number> | undefined;
  private batteryPower: Stamped<number> | undefined;
  private unitsDown: Stamped<number> | undefined;
  private readonly standby = new Map<string, Stamped<boolean>>();
  private mode: PeakMode = 'idle';
  private modeKnown = false;
  private lastCommandAt = -Infinity;

  constructor(
    private readonly s: PeakSettings,
    private readonly clock: WallClock,
    private readonly fields: PeakFields = PEAK_FIELDS,
  ) {}

  get currentMode(): PeakMode {
    return this.mode;
  }

  /** a grid meter reading, W (import positive) */
  gridPower(watts: number): void {
    if (Number.isFinite(watts)) this.grid = { value: watts, at: this.clock.now() };
  }

  /** xw-poll's summary across units (readings shape) */
  summary(f: Readonly<Record<string, unknown>>): void {
    const at = this.clock.now();
    const n = (k: string): number | undefined => (k && typeof f[k] === 'number' && Number.isFinite(f[k]) ? (f[k] as number) : undefined);
    const grid = n(this.fields.gridField);
    if (grid !== undefined) this.grid = { value: grid, at };
    const battery = n(this.fields.batteryField);
    if (battery !== undefined) this.battery = { value: battery, at };
    const power = n(this.fields.batteryPowerField);
    if (power !== undefined) this.batteryPower = { value: power, at };
    const ok = n('units_ok');
    const total = n('units_total');
    if (ok !== undefined && total !== undefined) this.unitsDown = { value: total - ok, at };
  }

  /**
   * one unit's readings (xw-poll output 1): standby and, before any command, the mode the units are in.
   * Standby is the unit's own Inverter Status of this cycle (`standby`); Operating Mode is only what
   * was last written or read, so it counts only for a reading that has no `standby` (older sources).
   */
  unit(name: string, f: Readonly<Record<string, unknown>>): void {
    const at = this.clock.now();
    if (typeof f.standby === 'number') this.standby.set(name, { value: f.standby === 1, at });
    else if (typeof f.operating_mode === 'number') this.standby.set(name, { value: f.operating_mode === STANDBY, at });
    if (!this.modeKnown && (f.sell_enabled === 1 || f.charger_enabled === 1)) {
      this.mode = f.charger_enabled === 1 ? 'charging' : 'selling';
      this.modeKnown = true;
    }
  }

  /** What to do now. Commands returned are taken as sent: the mode and the time move on. */
  decide(): PeakDecision {
    const now = this.clock.now();
    const s = this.s;
    const fresh = <T>(v: Stamped<T> | undefined): v is Stamped<T> => v !== undefined && now - v.at <= s.staleAfterMs;
    const grid = fresh(this.grid) ? this.grid.value : null;
    const battery = fresh(this.battery) ? this.battery.value : null;
    const correction = fresh(this.batteryPower) ? this.batteryPower.value : 0;
    const load = grid === null ? null : grid - correction;
    const quiet = (why: PeakWhy): PeakDecision => ({ commands: [], mode: this.mode, why, grid, load, battery });
    const act = (commands: CommandName[], mode: PeakMode, why: PeakWhy): PeakDecision => {
      this.mode = mode;
      this.modeKnown = true;
      this.lastCommandAt = now;
      return { commands, mode, why, grid, load, battery };
    };

    if (this.grid === undefined || this.battery === undefined) return quiet('noData');
    if (grid === null || battery === null || load === null) return quiet('stale');
    if ([...this.standby.values()].some((u) => fresh(u) && u.value)) return quiet('standby');
    if (fresh(this.unitsDown) && this.unitsDown.value > 0) return quiet('unitDown');
    // the battery limit protects the battery: it does not wait for the minimum time or a window
    if (this.mode === 'selling' && battery <= s.sellMinBattery) return act(['stop-sell'], 'idle', 'batteryLow');
    if (now - this.lastCommandAt < s.minGapMs) return quiet('wait');
    if (!inWindows(s.windows, now)) {
      if (this.mode === 'selling') return act(['stop-sell'], 'idle', 'outsideWindow');
      if (this.mode === 'charging') return act(['stop-charge'], 'idle', 'outsideWindow');
      return quiet('outsideWindow');
    }
    const maySell = battery > s.sellMinBattery + s.batteryHysteresis;
    switch (this.mode) {
      case 'selling':
        return load < s.stopBelowW ? act(['stop-sell'], 'idle', 'peakOver') : quiet('holding');
      case 'charging':
        if (load > s.sellAboveW && maySell) return act(['stop-charge', 'start-sell'], 'selling', 'peak');
        if (battery >= s.chargeUntil) return act(['stop-charge'], 'idle', 'charged');
        // charging must not make the peak it is there to shave
        if (grid > s.sellAboveW || load > s.stopBelowW) return act(['stop-charge'], 'idle', 'chargePeak');
        return quiet('holding');
      default:
        if (load > s.sellAboveW) return maySell ? act(['start-sell'], 'selling', 'peak') : quiet('batteryLow');
        if (s.chargeBelowW !== null && load < s.chargeBelowW && battery < s.chargeUntil - s.batteryHysteresis) return act(['start-charge'], 'charging', 'lowLoad');
        return quiet('holding');
    }
  }
}
