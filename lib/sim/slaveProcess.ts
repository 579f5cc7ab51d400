/**
 * A Modbus slave simulator in its own process (started by lib/sim/remoteSlave.ts with fork()),
 * as a real device is: in the process under test its reply timers and its serialport reads and
 * writes (libuv's thread pool) would compete with the code being measured — late replies that are
 * the rig's, not the client's — and its CPU time would count as ours. Talks over the IPC channel.
 * Request times are sent on the shared wall-clock axis (performance.timeOrigin + performance.now())
 * so the parent can place them on its own clock.
 */
import './spinningDelay';
import { startDeviceEndpoint, type DeviceEndpoint } from './deviceEndpoint';
import { startModbusSlave, type FaultScope, type ModbusFault, type ModbusSlaveSim, type RequestRecord } from './modbusSlave';
import { RegisterBank } from './registerBank';
import { XwDevice } from './xwDevice';

export interface RemoteSlaveSpec {
  /**
   * 'bank': units × `registers` holding registers from address 0; 'xw': XW units; 'echo': no
   * device, every chunk sent straight back (the transport's own round trip)
   */
  model: 'bank' | 'xw' | 'echo';
  units: number[];
  registers?: number;
  /** bank values: the address (default), or (unit × 256 + address) & 0xffff */
  values?: 'address' | 'unit-address';
  baudRate: number;
  turnaroundMs: number;
  /** how late a 'slow' fault answers, ms */
  slowMs?: number;
  /** seed of the fault probabilities' random source */
  seed?: number;
  transport: 'pty' | 'tcp';
  /** tcp only; default RTU framing (a serial device server) */
  framing?: 'rtu' | 'modbus-tcp';
}

export type ParentMessage =
  | { cmd: 'start'; spec: RemoteSlaveSpec }
  | { cmd: 'records'; id: number }
  | { cmd: 'drain'; id: number }
  | { cmd: 'inject'; fault: ModbusFault; scope?: FaultScope }
  | { cmd: 'reset' }
  | { cmd: 'close' };
export type ChildMessage =
  | { ev: 'started'; clientPath?: string; port?: number; timeOrigin: number }
  | { ev: 'records'; id: number; records: RequestRecord[]; overlaps: number; early: number; cpuMs: number }
  | { ev: 'error'; message: string };

let sim: ModbusSlaveSim | undefined;
let echo: DeviceEndpoint | undefined;

function send(m: ChildMessage): void {
  process.send?.(m);
}

/** mulberry32: a small seeded random source */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bank(s: RemoteSlaveSpec): RegisterBank {
  const b = new RegisterBank();
  const count = s.registers ?? 125;
  for (const u of s.units) b.setRange(u, 0, Array.from({ length: count }, (_, a) => (s.values === 'unit-address' ? (u * 256 + a) & 0xffff : a)));
  return b;
}

async function start(s: RemoteSlaveSpec): Promise<void> {
  if (s.model === 'echo') {
    echo = await startDeviceEndpoint(s.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp' }, (stream) => ({ data: (chunk) => stream.write(chunk), closed: () => undefined }));
    send({ ev: 'started', clientPath: echo.clientPath, port: echo.port, timeOrigin: performance.timeOrigin });
    return;
  }
  const model = s.model === 'xw' ? new XwDevice(s.units, { live: false }) : bank(s);
  sim = await startModbusSlave(model, s.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp', framing: s.framing ?? 'rtu' }, {
    baudRate: s.baudRate,
    turnaroundMs: s.turnaroundMs,
    ...(s.slowMs === undefined ? {} : { slowMs: s.slowMs }),
    ...(s.seed === undefined ? {} : { random: seeded(s.seed) }),
  });
  send({ ev: 'started', clientPath: sim.clientPath, port: sim.port, timeOrigin: performance.timeOrigin });
}

function records(id: number, drain: boolean): void {
  if (!sim) return;
  const cpu = process.cpuUsage();
  // drain: hand over and forget what was recorded, so a long soak does not grow this process
  const records = drain ? sim.requests.splice(0) : sim.requests;
  send({ ev: 'records', id, records, overlaps: sim.overlaps, early: sim.earlyRequests, cpuMs: (cpu.user + cpu.system) / 1000 });
}

process.on('message', (m: ParentMessage) => {
  void (async () => {
    try {
      if (m.cmd === 'start') await start(m.spec);
      else if (m.cmd === 'records') records(m.id, false);
      else if (m.cmd === 'drain') records(m.id, true);
      else if (m.cmd === 'inject') sim?.injectFault(m.fault, m.scope);
      else if (m.cmd === 'reset') sim?.resetStats();
      else if (m.cmd === 'close') {
        await sim?.close();
        await echo?.close();
        process.disconnect?.();
        process.exit(0);
      }
    } catch (err) {
      send({ ev: 'error', message: (err as Error).message });
    }
  })();
});

// the parent going away ends this process too
process.on('disconnect', () => {
  void Promise.all([sim?.close(), echo?.close()]).finally(() => process.exit(0));
});
