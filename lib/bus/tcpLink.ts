import net from 'node:net';
import { LinkBase, afterPendingIo, type TcpLinkConfig } from './link';
import { TransportError } from './errors';

const CONNECT_TIMEOUT_MS = 5000;

/** A TCP connection: a raw serial device server, or a Modbus TCP gateway. */
export class TcpLink extends LinkBase {
  socket: net.Socket | undefined;
  private closing = false;

  constructor(readonly config: TcpLinkConfig) {
    super();
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && this.socket.readyState === 'open';
  }

  get description(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  async open(): Promise<void> {
    const socket = new net.Socket();
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        socket.destroy();
        reject(new TransportError('open', `cannot connect to ${this.description}: ${err.message}`));
      };
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(new Error('connect timed out')));
      socket.once('error', fail);
      socket.connect(this.config.port, this.config.host, () => {
        socket.setTimeout(0);
        socket.removeListener('error', fail);
        resolve();
      });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10000);
    this.closing = false;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('error', () => {
      /* 'close' follows; it carries the news */
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (!this.closing) this.emit('close', new Error(`connection to ${this.description} closed`));
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.closing = true;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      socket.destroy();
    });
  }

  /** Nothing to flush on a socket: what has arrived is delivered in the next poll phase. */
  discardInput(): Promise<void> {
    return afterPendingIo();
  }

  async write(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) throw new TransportError('closed', `${this.description} is not connected`);
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(new TransportError('closed', err.message)) : resolve()));
    });
  }
}
