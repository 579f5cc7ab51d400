/**
 * A night for KACO inverters on a virtual clock: the KACO simulator's time of day, the bus's
 * clock (asleep units and their probe interval) and the poller's timers all run on one scheduler
 * (test/support/jumpScheduler.ts) that runs in real time while a cycle is on the wire — requests go
 * over a real socat pty with real (short) timeouts — and jumps to the next timer between cycles. The evening runs at 1:1, then the night is compressed to `nightHours` of
 * virtual time (12 in `npm run soak`), then the morning runs at 1:1 again; the probe interval stays
 * 60 s of virtual time, so a 12-hour night costs 720 probes per inverter, as on a real roof.
 */
import { Bus } from '../../lib/bus/bus';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { KacoPoller, type InverterResult } from '../../lib/kaco/kacoPoller';
import { JumpScheduler } from '../support/jumpScheduler';
import { SUNRISE_H, SUNSET_H } from '../../lib/sim/daylightCurve';
import { KacoSim } from '../../lib/sim/kacoSim';

const HOUR = 3600 * 1000;
const EVENING_H = SUNSET_H - 1 / 60; // 17:59
const MORNING_H = SUNRISE_H - 1 / 60; // 05:59
const AFTER_SUNRISE_H = 2 / 60; // long enough for a probe interval and a cycle
export const ADDRESSES = [1, 2, 3];
export const INTERVAL_MS = 10000;
export const PROBE_EVERY_MS = 60000;
export const MISSES_TO_ASLEEP = 3;

export interface NightReport {
  nightHours: number;
  /** virtual ms from sunset to sunrise (the compressed night and the minutes around it at 1:1) */
  nightMs: number;
  /** per inverter: requests that reached it between sunset and sunrise */
  nightRequests: Record<number, number>;
  /** per inverter: cycles reported 'error' between sunset and sunrise */
  nightErrors: Record<number, number>;
  /** per inverter: cycles reported 'asleep' between sunset and sunrise */
  nightAsleep: Record<number, number>;
  /** per inverter: virtual ms from sunrise to its first good reading */
  awakeAfterSunriseMs: Record<number, number>;
  /** virtual ms from sunrise to the first cycle after it */
  firstCycleAfterSunriseMs: number;
  cycles: number;
  realSeconds: number;
}

export async function runKacoNight(nightHours: number): Promise<NightReport> {
  const vt = new JumpScheduler();
  // virtual hours since the start → the simulator's time of day, the night compressed
  const eveningSpan = SUNSET_H + 1 / 60 - EVENING_H; // until just after sunset, at 1:1
  const nightSpan = nightHours;
  const realNight = 24 - (SUNSET_H + 1 / 60) + MORNING_H; // what the compressed span stands for
  const hourOf = (virtualMs: number): number => {
    const h = virtualMs / HOUR;
    if (h < eveningSpan) return EVENING_H + h;
    if (h < eveningSpan + nightSpan) return (SUNSET_H + 1 / 60 + ((h - eveningSpan) * realNight) / nightSpan) % 24;
    return MORNING_H + (h - eveningSpan - nightSpan);
  };
  const sunsetAt = (SUNSET_H - EVENING_H) * HOUR;
  const sunriseAt = (eveningSpan + nightSpan + (SUNRISE_H - MORNING_H)) * HOUR;
  const endAt = sunriseAt + AFTER_SUNRISE_H * HOUR;

  const sim = await KacoSim.start({ endpoint: { transport: 'pty' }, inverters: ADDRESSES.map((address) => ({ address })), latencyMs: 5, baudRate: 57600, timeOfDay: () => hourOf(vt.now()) });
  const bus = new Bus('kaco-night', { link: { kind: 'serial', path: sim.clientPath as string, baudRate: 9600, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 30000, trace: false }, { scheduler: vt });
  const report: NightReport = { nightHours, nightMs: sunriseAt - sunsetAt, nightRequests: {}, nightErrors: {}, nightAsleep: {}, awakeAfterSunriseMs: {}, firstCycleAfterSunriseMs: NaN, cycles: 0, realSeconds: 0 };
  for (const a of ADDRESSES) {
    report.nightRequests[a] = 0;
    report.nightErrors[a] = 0;
    report.nightAsleep[a] = 0;
  }
  const started = performance.now();
  let poller: KacoPoller | undefined;
  try {
    bus.start();
    const openBy = Date.now() + 5000;
    while (bus.state !== 'open' && Date.now() < openBy) await new Promise((r) => setTimeout(r, 5));
    // 200 ms: a reply takes ~20 ms; a stalled machine must not turn the first answer after sunrise into a miss
    const client = new KacoClient(bus, { owner: 'night', timeoutMs: 200, pauseAfterMs: 5, missesToAsleep: MISSES_TO_ASLEEP, probeEveryMs: PROBE_EVERY_MS });
    const night = (t: number): boolean => t >= sunsetAt && t < sunriseAt;
    let cyclesDone = 0;
    const onResult = (r: InverterResult): void => {
      const t = vt.now();
      if (night(t)) {
        if (r.status === 'error') report.nightErrors[r.address]++;
        if (r.status === 'asleep') report.nightAsleep[r.address]++;
      } else if (t >= sunriseAt && r.status === 'ok' && report.awakeAfterSunriseMs[r.address] === undefined) {
        report.awakeAfterSunriseMs[r.address] = t - sunriseAt;
      }
    };
    poller = new KacoPoller({
      targets: ADDRESSES.map((address) => ({ id: `inv${address}`, address, name: `roof ${address}`, client })),
      intervalMs: INTERVAL_MS,
      yieldEvery: 0,
      onResult,
      onCycle: (c) => {
        cyclesDone++;
        if (vt.now() >= sunriseAt && Number.isNaN(report.firstCycleAfterSunriseMs)) report.firstCycleAfterSunriseMs = vt.now() - sunriseAt;
        void c;
      },
      scheduler: vt,
    });
    let seenRequests = 0;
    const countRequests = (): void => {
      const fresh = sim.requests.slice(seenRequests);
      seenRequests = sim.requests.length;
      for (const r of fresh) if (night(vt.now())) report.nightRequests[r.address] = (report.nightRequests[r.address] ?? 0) + 1;
    };
    poller.start();
    // run each cycle to its end in real time, then jump the virtual clock to the next timer
    while (vt.now() < endAt) {
      const before = cyclesDone;
      const until = Date.now() + 10000;
      while (cyclesDone === before && Date.now() < until) await new Promise((r) => setImmediate(r));
      if (cyclesDone === before) throw new Error(`a cycle did not end at virtual ${(vt.now() / HOUR).toFixed(2)} h`);
      countRequests();
      if (!vt.jumpToNext()) break;
    }
    report.cycles = cyclesDone;
  } finally {
    await poller?.stop();
    await bus.close();
    await sim.close();
  }
  report.realSeconds = (performance.now() - started) / 1000;
  return report;
}
