/**
 * A modbus-serial client connected to a slave simulator the way each transport is used for
 * real, and a raw byte connection for driving requests by hand.
 */
import * as net from 'node:net';
import ModbusRTU from 'modbus-serial';
import { SerialPort } from 'serialport';
import type { ModbusSlaveSim, SlaveTransport } from '../../lib/sim/modbusSlave';

export const TRANSPORTS: { name: string; transport: SlaveTransport }[] = [
  { name: 'pty (RTU)', transport: { transport: 'pty' } },
  { name: 'TCP (RTU over TCP)', transport: { transport: 'tcp', framing: 'rtu' } },
  { name: 'TCP (Modbus TCP)', transport: { transport: 'tcp', framing: 'modbus-tcp' } },
];

/**
 * modbus-serial's client for each transport. Note: its connectTcpRTUBuffered speaks Modbus TCP
 * (MBAP) despite its name; raw RTU frames over TCP is its connectTelnet.
 */

export async function connectClient(sim: ModbusSlaveSim, transport: SlaveTransport, timeoutMs = 1000): Promise<ModbusRTU> {
  const client = new ModbusRTU();
  if (transport.transport === 'pty') await client.connectRTUBuffered(sim.clientPath as string, { baudRate: 9600 });
  else if (transport.framing === 'rtu') await client.connectTelnet('127.0.0.1', { port: sim.port as number });
  else await client.connectTCP('127.0.0.1', { port: sim.port as number });
  client.setTimeout(timeoutMs);
  return client;
}

export function closeClient(client: ModbusRTU): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isOpen) return resolve();
    client.close(() => resolve());
  });
}

/** A raw byte pipe to the simulator: the pty's client end or one TCP connection. */
export interface RawConnection {
  write(data: Buffer): void;
  /** resolves with everything received once at least `bytes` bytes are in */
  receive(bytes: number, timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function connectRaw(sim: ModbusSlaveSim, transport: SlaveTransport): Promise<RawConnection> {
  let received = Buffer.alloc(0);
  let notify: (() => void) | undefined;
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    notify?.();
  };
  let write: (data: Buffer) => void;
  let close: () => Promise<void>;
  if (transport.transport === 'pty') {
    const port = new SerialPort({ path: sim.clientPath as string, baudRate: 9600, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', onData);
    write = (data) => port.write(data);
    close = () => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  } else {
    const socket = net.connect(sim.port as number, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    socket.on('data', onData);
    write = (data) => socket.write(data);
    close = () => new Promise((resolve) => socket.end(() => { socket.destroy(); resolve(); }));
  }
  return {
    write,
    close,
    receive(bytes, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          notify = undefined;
          reject(new Error(`received ${received.length} of ${bytes} bytes within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (received.length < bytes) return;
          clearTimeout(timer);
          notify = undefined;
          const all = received;
          received = Buffer.alloc(0);
          resolve(all);
        };
        notify = check;
        check();
      });
    },
  };
}
