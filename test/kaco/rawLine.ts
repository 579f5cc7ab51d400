/** A raw byte connection to a simulator (its pty's client end or TCP), for driving requests by hand. */
import * as net from 'node:net';
import { SerialPort } from 'serialport';
import type { KacoSim } from '../../lib/sim/kacoSim';

export interface RawLine {
  write(data: Buffer | string): void;
  /** everything received since the last call, after waiting `ms` */
  collect(ms: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openRawLine(sim: KacoSim): Promise<RawLine> {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
  };
  let write: (data: Buffer) => void;
  let close: () => Promise<void>;
  if (sim.clientPath) {
    const port = new SerialPort({ path: sim.clientPath, baudRate: 9600, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', onData);
    write = (data) => port.write(data);
    close = () => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  } else {
    const socket = net.connect(sim.port as number, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('data', onData);
    write = (data) => socket.write(data);
    close = () => new Promise((resolve) => socket.end(() => resolve()));
  }
  return {
    write: (data) => write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    collect: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      const out = received;
      received = Buffer.alloc(0);
      return out;
    },
    close: () => close(),
  };
}
