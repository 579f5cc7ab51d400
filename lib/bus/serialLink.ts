import { SerialPort } from 'serialport';
import { LinkBase, type SerialLinkConfig } from './link';
import { resolveSerialPath } from './portPath';
import { TransportError } from './errors';

/** A serial port through `serialport`; the path (or glob) is resolved at every open. */
export class SerialLink extends LinkBase {
  private port: SerialPort | undefined;
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
      if (this.port === port) this.port = undefined;
      if (!this.closing) this.emit('close', err ?? new Error(`${device} closed`));
    });
    port.on('error', (err: Error) => {
      if (!this.closing) this.emit('close', err);
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.closing = true;
    this.port = undefined;
    if (!port) return;
    if (!port.isOpen) {
      port.removeAllListeners();
      return;
    }
    await new Promise<void>((resolve) => port.close(() => resolve()));
    port.removeAllListeners();
  }

  async write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new TransportError('closed', `${this.description} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(data, (err) => (err ? reject(new TransportError('closed', err.message)) : resolve()));
    });
  }
}
