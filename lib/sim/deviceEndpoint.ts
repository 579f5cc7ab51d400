/**
 * Where a simulated device listens: the device end of a socat pty pair (one stream, the serial
 * line) or a TCP server on loopback (one stream per connection, like a serial device server or
 * a Modbus TCP gateway). Protocol-neutral: the Modbus slave and the KACO simulator both sit on it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from './ptyPair';

export type EndpointSpec = { transport: 'pty' } | { transport: 'tcp'; host?: string; port?: number };

/** One byte stream to a client: the pty line, or one TCP connection. */
export interface DeviceStream {
  /** 'pty' or 'tcp:<remote port>' — for logs and records */
  readonly id: string;
  /** false once the stream has closed; writes are then dropped */
  readonly open: boolean;
  write(data: Buffer): void;
}

/** What the device does with a stream's bytes. `arrivedAt` is performance.now() when the chunk was read. */
export interface StreamHandler {
  data(chunk: Buffer, arrivedAt: number): void;
  closed(): void;
}

export interface DeviceEndpoint {
  /** pty: the path the code under test opens */
  readonly clientPath?: string;
  /** tcp: the port the code under test connects to */
  readonly port?: number;
  readonly host?: string;
  /** pty: kills socat (the port vanishes); tcp: stops listening and resets every connection */
  unplug(): Promise<void>;
  /** undoes unplug(): same path / same port */
  replug(): Promise<void>;
  /** tcp: resets every open connection (the server keeps listening); pty: no-op */
  dropConnections(): void;
  close(): Promise<void>;
}

export function startDeviceEndpoint(spec: EndpointSpec, accept: (stream: DeviceStream) => StreamHandler): Promise<DeviceEndpoint> {
  return spec.transport === 'pty' ? PtyEndpoint.start(accept) : TcpEndpoint.start(spec.host ?? '127.0.0.1', spec.port ?? 0, accept);
}

/**
 * Hands a reply to the pty at once. serialport writes on the libuv thread pool, which costs
 * ~0.1 ms before the bytes move — a visible share of the wire model's accuracy; the pty is
 * non-blocking and a reply fits its buffer, so write on the descriptor directly and leave only
 * what did not fit (EAGAIN, short write) to serialport.
 */
function writeNow(port: SerialPort, data: Buffer): void {
  const fd = (port.port as { fd?: number | null } | undefined)?.fd;
  let written = 0;
  if (typeof fd === 'number') {
    try {
      written = fs.writeSync(fd, data);
    } catch {
      written = 0;
    }
  }
  if (written < data.length) port.write(data.subarray(written));
}

class PtyEndpoint implements DeviceEndpoint {
  private serial: SerialPort | undefined;
  private handler: StreamHandler | undefined;
  private stream: { id: string; open: boolean; write(data: Buffer): void } | undefined;
  private closed = false;

  private constructor(
    readonly pty: PtyPair,
    private readonly accept: (stream: DeviceStream) => StreamHandler,
  ) {}

  static async start(accept: (stream: DeviceStream) => StreamHandler): Promise<PtyEndpoint> {
    const endpoint = new PtyEndpoint(await openPtyPair(), accept);
    try {
      await endpoint.openPort();
    } catch (err) {
      await endpoint.pty.close();
      throw err;
    }
    return endpoint;
  }

  get clientPath(): string {
    return this.pty.clientPath;
  }

  private openPort(): Promise<void> {
    // The pty ignores the baud rate; the wire model does the timing.
    const port = new SerialPort({ path: this.pty.devicePath, baudRate: 9600, autoOpen: false, lock: false });
    return new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (err) return reject(err);
        this.serial = port;
        const stream = {
          id: 'pty',
          open: true,
          write: (data: Buffer): void => {
            if (stream.open) writeNow(port, data);
          },
        };
        this.stream = stream;
        const handler = this.accept(stream);
        this.handler = handler;
        port.on('data', (chunk: Buffer) => handler.data(chunk, performance.now()));
        // errors after open end in 'close'; the listener keeps them from being thrown
        port.on('error', () => undefined);
        port.once('close', () => {
          stream.open = false;
          if (this.serial === port) this.serial = undefined;
          handler.closed();
        });
        resolve();
      });
    });
  }

  private closePort(): Promise<void> {
    const port = this.serial;
    this.serial = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** The device's port is closed before socat goes: a pty whose other side vanishes is not reliably noticed by serialport. */
  async unplug(): Promise<void> {
    await this.closePort();
    await this.pty.stop();
  }

  async replug(): Promise<void> {
    if (this.closed) throw new Error('endpoint is closed');
    await this.pty.start();
    if (!this.serial) await this.openPort();
  }

  dropConnections(): void {
    // a serial line has no connection to reset
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.closePort();
    await this.pty.close();
  }
}

class TcpEndpoint implements DeviceEndpoint {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;
  private closed = false;

  private constructor(
    readonly host: string,
    private readonly accept: (stream: DeviceStream) => StreamHandler,
  ) {}

  static async start(host: string, port: number, accept: (stream: DeviceStream) => StreamHandler): Promise<TcpEndpoint> {
    const endpoint = new TcpEndpoint(host, accept);
    await endpoint.listen(port);
    return endpoint;
  }

  get port(): number {
    return this.boundPort;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.connection(socket));
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.server = server;
        this.boundPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private connection(socket: net.Socket): void {
    // replies must leave at once, not when Nagle decides
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const stream = {
      id: `tcp:${socket.remotePort}`,
      open: true,
      write: (data: Buffer): void => {
        if (stream.open) socket.write(data);
      },
    };
    const handler = this.accept(stream);
    socket.on('data', (chunk: Buffer) => handler.data(chunk, performance.now()));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      stream.open = false;
      this.sockets.delete(socket);
      handler.closed();
    });
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  unplug(): Promise<void> {
    return this.stopListening();
  }

  async replug(): Promise<void> {
    if (this.closed) throw new Error('endpoint is closed');
    if (!this.server) await this.listen(this.boundPort);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.stopListening();
  }
}
