/**
 * Where the time of a bus transaction goes, beyond the wire limit. 10-register reads from one
 * unit (20 ms turnaround) with the simulator in its own process, timed at four points: our
 * link.write, the simulator receiving the request, the simulator writing its reply, our link
 * seeing it; and the next link.write. So:
 *   cycle − limit = request latency + simulator late + reply latency + (gap after the reply − t3.5)
 * The transport's own round trip (the same frame echoed by a process on the far end, through
 * serialport and socat or a loopback socket, no bus, no Modbus) is measured beside it: what the
 * test rig adds whatever the code under test does. CPU is this process's user + system time.
 */
import type { BenchSection } from './benchSection';
import { createLink } from '../lib/bus/bus';
import { acquireBus, releaseBus } from '../lib/bus/busRegistry';
import type { Link, LinkConfig } from '../lib/bus/link';
import { Priority } from '../lib/bus/priority';
import { FORMAT_8N1, rtuFrameBytes, t35Ms, transactionLimitMs } from '../lib/bus/wireTiming';
import { modbusClientFor } from '../lib/modbus/modbusClient';
import { median, percentile } from './measure';
import { startRemoteSlave } from '../lib/sim/remoteSlave';
import { linkConfig, roundTrip, type Transport } from './transportRoundTrip';

const TURNAROUND_MS = 20;
const REGISTERS = 10;
const TRANSACTIONS = 150;
const RUNS = 3;


export interface Breakdown {
  cycle: number;
  requestLatency: number;
  simulatorLate: number;
  replyLatency: number;
  gapBeyondT35: number;
  /** the 99th percentile of the gap: a stalled event loop shows in the tail, not the median */
  gapBeyondT35P99: number;
  cpuPerTx: number;
}

/**
 * One run of TRANSACTIONS reads. `beside` starts other work on this event loop for the run (the
 * cache's writes, say) and returns what stops it.
 */
export async function profile(transport: Transport, baud: number, beside?: () => () => void): Promise<Breakdown> {
  const sim = await startRemoteSlave({ model: 'bank', units: [10], registers: REGISTERS, baudRate: baud, turnaroundMs: TURNAROUND_MS, transport });
  const writes: number[] = [];
  const arrivals: number[] = [];
  const linkFactory = (config: LinkConfig): Link => {
    const link = createLink(config);
    const write = link.write.bind(link);
    link.write = (data: Buffer) => {
      writes.push(performance.now());
      return write(data);
    };
    link.on('data', () => arrivals.push(performance.now()));
    return link;
  };
  const owner = `bench-profile-${transport}-${baud}`;
  const bus = acquireBus({ link: linkConfig(transport, baud, sim), framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false }, owner, { linkFactory });
  try {
    const client = modbusClientFor(bus);
    const opts = { owner, priority: Priority.Poll };
    for (let i = 0; i < 30; i++) await client.readHoldingRegisters(10, 0, REGISTERS, opts); // warm-up
    sim.resetStats();
    writes.length = 0;
    arrivals.length = 0;
    const stopBeside = beside?.();
    const cpu = process.cpuUsage();
    for (let i = 0; i < TRANSACTIONS; i++) await client.readHoldingRegisters(10, 0, REGISTERS, opts);
    const used = process.cpuUsage(cpu);
    stopBeside?.();
    const { records } = await sim.records();
    // arrivals and replies are on the simulator's clock moved onto ours by timeOrigin, which can be
    // off by a fraction of a millisecond; the sum of the two latencies is not affected
    const parts: Record<keyof Omit<Breakdown, 'cpuPerTx' | 'gapBeyondT35P99'>, number[]> = { cycle: [], requestLatency: [], simulatorLate: [], replyLatency: [], gapBeyondT35: [] };
    const t35 = t35Ms(baud);
    for (let i = 0; i + 1 < Math.min(writes.length, records.length); i++) {
      const r = records[i];
      if (r.repliedAt === null || r.dueAt === null) continue;
      const seen = arrivals.filter((a) => a >= (r.repliedAt as number) - 1 && a < writes[i + 1]).pop();
      if (seen === undefined) continue;
      parts.cycle.push(writes[i + 1] - writes[i]);
      parts.requestLatency.push(r.arrivedAt - writes[i]);
      parts.simulatorLate.push(r.repliedAt - r.dueAt);
      parts.replyLatency.push(seen - r.repliedAt);
      parts.gapBeyondT35.push(writes[i + 1] - seen - t35);
    }
    return {
      cycle: median(parts.cycle),
      requestLatency: median(parts.requestLatency),
      simulatorLate: median(parts.simulatorLate),
      replyLatency: median(parts.replyLatency),
      gapBeyondT35: median(parts.gapBeyondT35),
      gapBeyondT35P99: percentile(parts.gapBeyondT35, 99),
      cpuPerTx: (used.user + used.system) / 1000 / TRANSACTIONS,
    };
  } finally {
    await releaseBus(bus, owner);
    await sim.close();
  }
}

export async function run(): Promise<BenchSection[]> {
  const rows: (string | number)[][] = [];
  for (const transport of ['pty', 'tcp'] as const) {
    for (const baud of [9600, 19200, 115200]) {
      const runs: Breakdown[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await profile(transport, baud));
      const m = (k: keyof Breakdown): number => median(runs.map((r) => r[k]));
      const [req, rep] = rtuFrameBytes.readHolding(REGISTERS);
      const limit = transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
      const rig = await roundTrip(transport, baud);
      const over = m('cycle') - limit;
      rows.push([
        transport === 'pty' ? 'pty (socat)' : 'TCP loopback',
        baud,
        limit.toFixed(2),
        m('cycle').toFixed(2),
        (m('cycle') / limit).toFixed(3),
        over.toFixed(2),
        m('simulatorLate').toFixed(2),
        (m('requestLatency') + m('replyLatency')).toFixed(2),
        rig.toFixed(2),
        m('gapBeyondT35').toFixed(2),
        Math.max(0, over - rig - m('simulatorLate')).toFixed(2),
        m('cpuPerTx').toFixed(2),
      ]);
    }
  }
  return [
    {
      title: `Bus: where a transaction's time goes (${REGISTERS}-register reads, 1 unit, ${TURNAROUND_MS} ms turnaround, simulator in its own process)`,
      columns: ['transport', 'baud', 'limit', 'cycle', 'ratio', 'overhead', 'simulator late', 'request + reply latency', 'of which transport round trip', 'gap after reply − t3.5', 'ours ≈ overhead − simulator late − round trip', 'CPU per tx'],
      rows,
      notes: [
        `medians over ${RUNS} runs of ${TRANSACTIONS} transactions; times in ms`,
        'overhead = cycle − limit = simulator late + request + reply latency + gap after reply − t3.5; simulator late is measured inside the simulator, the latencies across the two processes (their sum does not depend on how well the two clocks agree)',
        'request + reply latency: from our link.write to the simulator having the request, and from its reply write to our link seeing it; serialport on both ends and, on a pty, socat relaying between the two ptys',
        'gap after reply − t3.5: from our link seeing the reply to our next link.write, less the t3.5 the arbiter must wait: its wake-up precision and the request path (queue, Modbus framing, serialport write)',
        'transport round trip: an 8-byte frame echoed by a process on the far end through the same transport (serialport + socat, or a loopback socket), no bus and no Modbus — the rig\'s share',
        'CPU: user + system time of this process per transaction (bus, Modbus client, serialport); the simulator\'s is not included',
      ],
    },
  ];
}
