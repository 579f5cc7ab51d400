import fs from 'node:fs';
import { SerialPort } from 'serialport';
import { LinkBase, afterPendingIo, type SerialLinkConfig } from './link';
import { resolveSerialPath } from './portPath';
import { TransportError } from './errors';

/** A serial port through `serialport`; the path (or glob) is resolved at every open. */
/** How often an open port checks that its device node still exists. */
const PRESENCE_CHECK_MS = 1000;

export class SerialLink extends LinkBase {
  private port: SerialPort | undefined;
  private presence: NodeJS.Timeout | undefined;
  private opened = '';
  private closing = false;

  constructor(readonly config: SerialLinkConfig) {
    super();
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  get description(): string {
    return this.opened || this.config.path;
  }

  async open(): Promise<void> {
    const device = resolveSerialPath(this.config.path);
    if (device === undefined) throw new TransportError('open', `no serial port matches ${this.config.path}`);
    const port = new SerialPort({
      path: device,
      baudRate: this.config.baudRate,
      dataBits: this.config.format.dataBits,
      parity: this.config.format.parity,
      stopBits: this.config.format.stopBits,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new TransportError('open', `cannot open ${device}: ${err.message}`)) : resolve()));
    });
    this.closing = false;
    this.port = port;
    this.opened = device;
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    // An unplug surfaces as 'close' with err.disconnected (serialport emits no 'error' then).
    port.on('close', (err?: Error) => {
      clearInterval(this.presence);
      if (this.port === port) this.port = undefined;
      if (!this.closing) this.emit('close', err ?? new Error(`${device} closed`));
    });
    port.on('error', (err: Error) => {
      if (!this.closing) this.emit('close', err);
    });
    // Not every disappearance reaches serialport as 'close' (a pty whose other end dies, some
    // USB drivers): the device node vanishing is the one sign every unplug gives.
    this.presence = setInterval(() => {
      if (this.port === port && !fs.existsSync(device)) void this.lose(port, new Error(`${device} disappeared`));
    }, PRESENCE_CHECK_MS);
    this.presence.unref();
  }

  private async lose(port: SerialPort, err: Error): Promise<void> {
    clearInterval(this.presence);
    this.port = undefined;
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (!this.closing) this.emit('close', err);
  }

  async close(): Promise<void> {
    const port = this.port;
    this.closing = true;
    clearInterval(this.presence);
    this.port = undefined;
    if (!port) return;
    if (!port.isOpen) {
      port.removeAllListeners();
      return;
    }
    await new Promise<void>((resolve) => port.close(() => resolve()));
    port.removeAllListeners();
  }

  async discardInput(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    // serialport reads on the thread pool: bytes the kernel had may be in a read submitted before
    // this flush; its completion is queued ahead of the flush's, and the extra turn lets it land.
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    await afterPendingIo();
  }

  async write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new TransportError('closed', `${this.description} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(data, (err) => (err ? reject(new TransportError('closed', err.message)) : resolve()));
    });
  }
}
