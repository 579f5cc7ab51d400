/**
 * SMA reading against its physical limit.
 * - SMA Data1: a cycle over 3 simulated Sunny Boys on a socat pty at 1200 baud (CMD_SYN_ONLINE,
 *   the wait after it, then CMD_GET_DATA to each), with the channel lists already read. The
 *   limit is the line's: every byte written and answered at 1200 baud, the devices' turnaround
 *   as the simulator drew it, and the pauses lib/sma/data1Timing.ts defines.
 * - Bluetooth: reads of a simulated SMC through BluetoothSource on a pty (the RFCOMM tty), and
 *   the share of each read that is the simulator's modelled air time.
 */
import type { BenchSection } from './benchSection';
import { Bus, createLink } from '../lib/bus/bus';
import type { Link, LinkConfig } from '../lib/bus/link';
import { bytesTimeMs, FORMAT_8N1, t35Ms } from '../lib/bus/wireTiming';
import { BluetoothSource } from '../lib/sma/bluetoothSource';
import { DATA1_COMMANDS } from '../lib/sma/data1Commands';
import { Data1Source } from '../lib/sma/data1Source';
import { DATA1_TIMING } from '../lib/sma/data1Timing';
import { READ_QUERIES } from '../lib/sma/data2Session';
import { SmaBluetoothSim } from '../lib/sim/smaBluetoothSim';
import { SmaData1Sim } from '../lib/sim/smaData1Sim';
import { median } from './measure';

const BAUD = 1200;
const SERIALS = [2000100001, 2000100002, 2000100003];
const D1_LATENCY: [number, number] = [20, 80];
const D1_CYCLES = 5;
const BT_READS = 20;
const BT_BAUD = 115200;
const BT_LATENCY_MS = 20;

/** A link that notes every write (bytes, when) and every byte read, for the limit. */
function countingLink(config: LinkConfig, log: { writes: number[]; readBytes: number }): Link {
  const link = createLink(config);
  const write = link.write.bind(link);
  link.write = (data: Buffer) => {
    log.writes.push(data.length);
    return write(data);
  };
  link.on('data', (chunk: Buffer) => (log.readBytes += chunk.length));
  return link;
}

async function openBus(name: string, link: LinkConfig, log: { writes: number[]; readBytes: number }): Promise<Bus> {
  const bus = new Bus(name, { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 600000, trace: false }, { linkFactory: (c) => countingLink(c, log) });
  bus.start();
  const by = Date.now() + 5000;
  while (bus.state !== 'open') {
    if (Date.now() > by) throw new Error(`bench sma: bus ${name} did not open`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return bus;
}

export async function run(): Promise<BenchSection[]> {
  const d1 = await data1Cycles();
  const bt = await bluetoothReads();
  const t = DATA1_TIMING;
  return [
    {
      title: `SMA Data1: one cycle over ${SERIALS.length} Sunny Boys (pty, ${BAUD} 8N1, turnaround ${D1_LATENCY[0]}–${D1_LATENCY[1]} ms)`,
      columns: ['devices', 'cycles', 'measured cycle ms', 'wire + turnaround ms', 'sync wait ms', 'direction switches ms', 'limit ms', 'ratio', 'ratio without the direction switches', 'bus silences ms', 'rest per exchange ms', 'overlaps'],
      rows: [d1],
      notes: [
        `a cycle: CMD_SYN_ONLINE (one broadcast for the three), the line quiet ${t.syncOnlineWaitMs} ms after it (syncOnlineWaitMs), then CMD_GET_DATA with the spot mask to each device in turn, its answer in one telegram; channel lists read before the first cycle (cached)`,
        `measured: from the first read started to the last reading decoded, median of ${D1_CYCLES} cycles (cycles ${t.syncReuseMs / 1000} s apart, so each broadcasts its own CMD_SYN_ONLINE)`,
        `wire + turnaround: every byte the bus wrote and every byte answered at ${BAUD} baud (10 bits a byte), and each answer's turnaround as the simulator drew it`,
        `limit = wire + turnaround + the pauses of lib/sma/data1Timing.ts: syncOnlineWaitMs once, directionSwitchMs (${t.directionSwitchMs} ms, YASDI's RS485 driver turn-around) before and after each frame written; "without the direction switches" divides by wire + turnaround + sync wait only`,
        `where the time above the wire goes: the arbiter's t3.5 silence at ${BAUD} baud (${t35Ms(BAUD).toFixed(1)} ms) after each exchange within the cycle (data1Timing.ts: it covers the direction switch); "rest" is what is left per frame written after the wire, the sync wait and those silences (timers, the pty relay, decoding)`,
        'overlaps: requests that reached the simulator while an answer was still due on the line (must be 0)',
      ],
    },
    {
      title: `SMA Bluetooth: one read of a Sunny Mini Central (pty for /dev/rfcomm0, ${READ_QUERIES.length} SMAData2+ queries)`,
      columns: ['read', 'reads', 'median ms', 'modelled air time ms', 'air share', 'exchanges per read', 'bytes per read (out / in)'],
      rows: bt,
      notes: [
        `the simulator answers each request after its modelled air time: request and reply bytes at ${BT_BAUD} baud (ours: RFCOMM has no UART) + t3.5 + its ${BT_LATENCY_MS} ms turnaround (lib/sim/wireModel.ts); the rest of a read is the bus, the codecs and the pty`,
        'first read: the connect handshake (waiting for the inverter\'s hello, sent every 100 ms here; 1 s on a real one) and the logon, then the queries; later reads: the queries only (connection and logon kept)',
        'a real Bluetooth link answers slower than this model (SBFspot allows 10 s a reply); the figure is what the package adds, not what a site sees',
      ],
    },
  ];
}

async function data1Cycles(): Promise<(string | number)[]> {
  const sim = await SmaData1Sim.start({ endpoint: { transport: 'pty' }, devices: SERIALS.map((serial, i) => ({ serial, address: i + 1 })), baudRate: BAUD, latencyMs: D1_LATENCY, timeOfDay: () => 12, seed: 3 });
  const log = { writes: [] as number[], readBytes: 0 };
  const bus = await openBus('bench-sma-data1', { kind: 'serial', path: sim.clientPath as string, baudRate: BAUD, format: FORMAT_8N1 }, log);
  const sources = SERIALS.map((serial, i) => new Data1Source(bus, { owner: 'bench', serial, address: i + 1 }));
  const t = DATA1_TIMING;
  try {
    for (const s of sources) await s.read(); // channel lists (cached), and a first sync
    const measured: number[] = [];
    const wire: number[] = [];
    const switches: number[] = [];
    const frames: number[] = [];
    const silences: number[] = [];
    for (let k = 0; k < D1_CYCLES; k++) {
      // the next cycle's CMD_SYN_ONLINE goes out only once the last one is syncReuseMs old
      await new Promise((r) => setTimeout(r, t.syncReuseMs));
      const firstRecord = sim.requests.length;
      log.writes = [];
      const started = performance.now();
      for (const s of sources) await s.read();
      measured.push(performance.now() - started);
      const records = sim.requests.slice(firstRecord);
      const syncs = records.filter((r) => r.command === DATA1_COMMANDS.syncOnline.code).length;
      const asks = records.filter((r) => r.command === DATA1_COMMANDS.getData.code).length;
      if (syncs !== 1 || asks !== SERIALS.length || records.length !== syncs + asks) throw new Error(`bench sma: a cycle put ${records.length} requests on the line (${syncs} syncs, ${asks} CMD_GET_DATA), expected 1 + ${SERIALS.length}`);
      if (log.writes.length !== records.length) throw new Error(`bench sma: ${log.writes.length} writes for ${records.length} requests`);
      // the sync is the cycle's first frame; an answer is due at (arrival + request bytes +
      // turnaround + answer bytes), so from its request's arrival to its last byte is all three
      const answered = records.filter((r) => r.command === DATA1_COMMANDS.getData.code).reduce((sum, r) => sum + (r.schedule[0].doneAt - r.arrivedAt), 0);
      wire.push(bytesTimeMs(log.writes[0], BAUD) + answered);
      switches.push(2 * t.directionSwitchMs * log.writes.length);
      frames.push(log.writes.length);
      silences.push((log.writes.length - 1) * t35Ms(BAUD));
    }
    const m = median(measured);
    const w = median(wire);
    const d = median(switches);
    const s = median(silences);
    const limit = w + t.syncOnlineWaitMs + d;
    const rest = (m - w - t.syncOnlineWaitMs - s) / median(frames);
    return [SERIALS.length, D1_CYCLES, m.toFixed(0), w.toFixed(0), t.syncOnlineWaitMs, d.toFixed(0), limit.toFixed(0), (m / limit).toFixed(3), (m / (w + t.syncOnlineWaitMs)).toFixed(3), s.toFixed(0), rest.toFixed(1), sim.overlaps];
  } finally {
    for (const s of sources) await s.close();
    await bus.close();
    await sim.close();
  }
}

async function bluetoothReads(): Promise<(string | number)[][]> {
  const sim = await SmaBluetoothSim.start({ device: { susyId: 128, serial: 2100200001, name: 'SMC 6000A', password: '0000', ratedW: 6000, strings: 2 }, timeOfDay: () => 12, helloIntervalMs: 100, latencyMs: BT_LATENCY_MS, baudRate: BT_BAUD });
  const log = { writes: [] as number[], readBytes: 0 };
  const bus = await openBus('bench-sma-bt', { kind: 'serial', path: sim.clientPath, baudRate: BT_BAUD, format: FORMAT_8N1 }, log);
  const source = new BluetoothSource(bus, { owner: 'bench', password: '0000', timeoutMs: 2000 });
  // the modelled air time of one exchange (wireModel.ts: both frames' bytes, t3.5, turnaround)
  const airMs = (writes: number[], readBytes: number): number => bytesTimeMs(writes.reduce((a, b) => a + b, 0) + readBytes, BT_BAUD) + writes.length * (t35Ms(BT_BAUD) + BT_LATENCY_MS);
  const readOnce = async (): Promise<{ ms: number; air: number; exchanges: number; out: number; in: number }> => {
    log.writes = [];
    log.readBytes = 0;
    const started = performance.now();
    await source.read();
    const ms = performance.now() - started;
    return { ms, air: airMs(log.writes, log.readBytes), exchanges: log.writes.length, out: log.writes.reduce((a, b) => a + b, 0), in: log.readBytes };
  };
  try {
    const first = await readOnce();
    const later: Awaited<ReturnType<typeof readOnce>>[] = [];
    for (let k = 0; k < BT_READS; k++) later.push(await readOnce());
    const med = (f: (r: (typeof later)[number]) => number): number => median(later.map(f));
    // the first read's handshake waits for a hello (the sim's 100 ms interval): not air time, not ours
    return [
      ['first (handshake + logon + queries)', 1, first.ms.toFixed(0), first.air.toFixed(0), `${((100 * first.air) / first.ms).toFixed(0)} %`, first.exchanges, `${first.out} / ${first.in}`],
      ['later (queries)', BT_READS, med((r) => r.ms).toFixed(0), med((r) => r.air).toFixed(0), `${((100 * med((r) => r.air)) / med((r) => r.ms)).toFixed(0)} %`, med((r) => r.exchanges), `${med((r) => r.out)} / ${med((r) => r.in)}`],
    ];
  } finally {
    await source.close();
    await bus.close();
    await sim.close();
  }
}
