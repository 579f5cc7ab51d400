/**
 * The test rig's own share of a transaction: the round trip of one request-sized frame through
 * the transport alone — serialport and socat between two ptys, or a loopback socket — echoed by a
 * child process, no bus and no Modbus. A real line has its own (a USB adapter's latency timer is
 * worse); here it is what the simulator setup adds to every measured transaction.
 */
import { createLink } from '../lib/bus/bus';
import type { LinkConfig } from '../lib/bus/link';
import { FORMAT_8N1 } from '../lib/bus/wireTiming';
import { startRemoteSlave } from '../lib/sim/remoteSlave';
import { median } from './measure';

export type Transport = 'pty' | 'tcp';

export function linkConfig(transport: Transport, baud: number, sim: { clientPath?: string; port?: number }): LinkConfig {
  return transport === 'pty' ? { kind: 'serial', path: sim.clientPath as string, baudRate: baud, format: FORMAT_8N1 } : { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: baud };
}

/** Median round trip of one request-sized frame through the transport alone (echoed by a child process). */
export async function roundTrip(transport: Transport, baud: number): Promise<number> {
  const echo = await startRemoteSlave({ model: 'echo', units: [], baudRate: baud, turnaroundMs: 0, transport });
  const link = createLink(linkConfig(transport, baud, echo));
  try {
    await link.open();
    const frame = Buffer.alloc(8, 0x5a);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const got = new Promise<number>((resolve) => {
        let n = 0;
        const on = (chunk: Buffer): void => {
          n += chunk.length;
          if (n < frame.length) return;
          link.off('data', on);
          resolve(performance.now());
        };
        link.on('data', on);
      });
      const t0 = performance.now();
      await link.write(frame);
      times.push((await got) - t0);
      await new Promise((r) => setTimeout(r, 2));
    }
    return median(times.slice(20));
  } finally {
    await link.close();
    await echo.close();
  }
}

