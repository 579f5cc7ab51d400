import type { BusCounters } from '../bus/busSettings';
import type { Scheduler } from '../time/scheduler';
import type { ProbeResult } from './probes/probeResult';

/** What the watchdog needs of a bus (lib/bus/bus.ts Bus satisfies it). */
export interface WatchedBus {
  readonly key: string;
  counters(): BusCounters;
  lastSuccessMonotonic?(): number | null;
}

/**
 * Bus health: "a successful transaction within T". The bus's own timestamps are on its clock
 * (or the wall clock), so they are used only to notice that a new success happened; when is
 * measured on the watchdog's monotonic clock. This catches the old logger's week of "script
 * still running, but no new logs" — a bus that is open but gets no answers, or is not polled.
 */
export class BusActivity {
  private lastMarker: string | undefined;
  private lastSeenAt: number;

  constructor(
    private readonly findBus: () => WatchedBus | undefined,
    private readonly clock: Pick<Scheduler, 'now'>,
  ) {
    // a bus gets T from the watchdog's start to show its first success
    this.lastSeenAt = clock.now();
    this.lastMarker = this.marker(findBus());
  }

  /** ok when a success was seen within `withinMs` of now */
  sample(withinMs: number): ProbeResult {
    const now = this.clock.now();
    const bus = this.findBus();
    const marker = this.marker(bus);
    if (marker !== undefined && marker !== this.lastMarker) this.lastSeenAt = now;
    this.lastMarker = marker;
    const quietMs = now - this.lastSeenAt;
    if (quietMs <= withinMs) return { ok: true, detail: `last success ${Math.round(quietMs / 1000)} s ago` };
    if (!bus) return { ok: false, detail: `bus not open, no success for ${Math.round(quietMs / 1000)} s` };
    return { ok: false, detail: `no successful transaction on ${bus.key} for ${Math.round(quietMs / 1000)} s` };
  }

  private marker(bus: WatchedBus | undefined): string | undefined {
    if (!bus) return undefined;
    const mono = bus.lastSuccessMonotonic?.();
    const last = mono ?? bus.counters().lastSuccessAny;
    // with the key: a success on another bus (the configured port now names another one) is not this one's
    return last === null || last === undefined ? undefined : `${bus.key} ${last}`;
  }
}
