/** A raw byte connection to a simulator (its pty's client end or TCP), for driving requests by hand. */
import * as net from 'node:net';
import { SerialPort } from 'serialport';
import type { KacoSim } from '../../lib/sim/kacoSim';

export interface RawLine {
  write(data: Buffer | string): void;
  /** everything received since the last call, after waiting `ms` (to show that nothing came) */
  collect(ms: number): Promise<Buffer>;
  /**
   * everything received since the last call, as soon as `done` holds for it (or after `ms`, with
   * whatever came): a reply is waited for, not assumed to be in after a fixed time
   */
  collectUntil(done: (received: Buffer) => boolean, ms?: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openRawLine(sim: KacoSim): Promise<RawLine> {
  let received = Buffer.alloc(0);
  let notify: (() => void) | undefined;
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    notify?.();
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
    collectUntil: (done, ms = 5000) =>
      new Promise((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          notify = undefined;
          const out = received;
          received = Buffer.alloc(0);
          resolve(out);
        };
        const timer = setTimeout(finish, ms);
        notify = () => {
          if (done(received)) finish();
        };
        notify();
      }),
    close: () => close(),
  };
}
