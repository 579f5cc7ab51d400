import dgram from 'node:dgram';
import net from 'node:net';
import { LinkBase, afterPendingIo, type UdpLinkConfig } from './link';
import { TransportError } from './errors';

/**
 * A UDP socket connected to one peer (SMA Speedwire): every datagram from it is one 'data'
 * chunk, so a decoder sees whole packets. UDP has no connection to lose: an ICMP "port
 * unreachable" surfaces as a socket error (ECONNREFUSED) and the request simply goes
 * unanswered, so errors after open are not a link loss.
 */
export class UdpLink extends LinkBase {
  private udp: dgram.Socket | undefined;

  constructor(readonly config: UdpLinkConfig) {
    super();
  }

  get isOpen(): boolean {
    return this.udp !== undefined;
  }

  get description(): string {
    return `${this.config.host}:${this.config.port}/udp`;
  }

  async open(): Promise<void> {
    const socket = dgram.createSocket(net.isIPv6(this.config.host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        socket.close();
        reject(new TransportError('open', `cannot reach ${this.description}: ${err.message}`));
      };
      socket.once('error', fail);
      // connect() binds an ephemeral port and filters datagrams to the peer's address and port
      socket.connect(this.config.port, this.config.host, () => {
        socket.removeListener('error', fail);
        resolve();
      });
    });
    this.udp = socket;
    socket.on('message', (datagram: Buffer) => this.emit('data', datagram));
    socket.on('error', () => {
      /* ICMP unreachable and the like: the exchange times out, the socket stays usable */
    });
  }

  async close(): Promise<void> {
    const socket = this.udp;
    this.udp = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** A datagram already received is delivered in the next poll phase. */
  discardInput(): Promise<void> {
    return afterPendingIo();
  }

  async write(data: Buffer): Promise<void> {
    const socket = this.udp;
    if (!socket) throw new TransportError('closed', `${this.description} is not open`);
    await new Promise<void>((resolve, reject) => {
      socket.send(data, (err) => (err ? reject(new TransportError('closed', err.message)) : resolve()));
    });
  }
}
