/**
 * A simulator in its own process, for honest figures: in the benchmark's process its reply
 * timers would compete with the code being measured (and on a loaded machine answer late, which
 * counts against our ratio), and its CPU time would count as ours. Started by bench/remoteSim.ts
 * with fork(); talks over the IPC channel. Request times are sent on the shared wall-clock axis
 * (performance.timeOrigin + performance.now()) so the parent can place them on its own clock.
 */
import './simSpinDelay';
import { startDeviceEndpoint, type DeviceEndpoint } from '../lib/sim/deviceEndpoint';
import { startModbusSlave, type ModbusSlaveSim, type RequestRecord } from '../lib/sim/modbusSlave';
import { RegisterBank } from '../lib/sim/registerBank';
import { XwDevice } from '../lib/sim/xwDevice';

export interface RemoteSlaveSpec {
  /**
   * 'bank': units × `registers` holding registers from address 0 (value = address); 'xw': XW
   * units; 'echo': no device, every chunk sent straight back (the transport's own round trip)
   */
  model: 'bank' | 'xw' | 'echo';
  units: number[];
  registers?: number;
  baudRate: number;
  turnaroundMs: number;
  transport: 'pty' | 'tcp';
}

export type ParentMessage = { cmd: 'start'; spec: RemoteSlaveSpec } | { cmd: 'records'; id: number } | { cmd: 'reset' } | { cmd: 'close' };
export type ChildMessage =
  | { ev: 'started'; clientPath?: string; port?: number; timeOrigin: number }
  | { ev: 'records'; id: number; records: RequestRecord[]; overlaps: number; early: number; cpuMs: number }
  | { ev: 'error'; message: string };

let sim: ModbusSlaveSim | undefined;
let echo: DeviceEndpoint | undefined;

function send(m: ChildMessage): void {
  process.send?.(m);
}

process.on('message', (m: ParentMessage) => {
  void (async () => {
    try {
      if (m.cmd === 'start' && m.spec.model === 'echo') {
        echo = await startDeviceEndpoint(m.spec.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp' }, (stream) => ({ data: (chunk) => stream.write(chunk), closed: () => undefined }));
        send({ ev: 'started', clientPath: echo.clientPath, port: echo.port, timeOrigin: performance.timeOrigin });
      } else if (m.cmd === 'start') {
        const s = m.spec;
        const model =
          s.model === 'xw'
            ? new XwDevice(s.units, { live: false })
            : new RegisterBank(Object.fromEntries(s.units.map((u) => [u, Object.fromEntries(Array.from({ length: s.registers ?? 125 }, (_, a) => [a, a]))])));
        sim = await startModbusSlave(model, s.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp', framing: 'rtu' }, { baudRate: s.baudRate, turnaroundMs: s.turnaroundMs });
        send({ ev: 'started', clientPath: sim.clientPath, port: sim.port, timeOrigin: performance.timeOrigin });
      } else if (m.cmd === 'records' && sim) {
        const cpu = process.cpuUsage();
        send({ ev: 'records', id: m.id, records: sim.requests, overlaps: sim.overlaps, early: sim.earlyRequests, cpuMs: (cpu.user + cpu.system) / 1000 });
      } else if (m.cmd === 'reset') {
        sim?.resetStats();
      } else if (m.cmd === 'close') {
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
