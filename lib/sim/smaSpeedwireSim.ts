/**
 * An SMA inverter on Speedwire: a UDP socket on 127.0.0.1 (port 0 picks a free one, reported as
 * `port`) answering SMAData2+ datagrams (lib/sma/speedwire.ts) with SmaData2Device, after its
 * turnaround. Each client address and port has its own logon. Silent at night. Faults:
 * smaData2Device.ts ('bad-fcs' does not exist on Speedwire and is treated as 'truncated').
 */
import dgram from 'node:dgram';
import { preciseDelay } from '../time/preciseDelay';
import { decodeSpeedwire, encodeSpeedwire } from '../sma/speedwire';
import { SmaData2Device, type SmaSimFault, type SmaSimFaultScope, type SmaSimDeviceSpec, type SmaSimSession, type SmaSimSnapshot } from './smaData2Device';

export interface SmaSpeedwireSimOptions {
  device: SmaSimDeviceSpec;
  host?: string;
  /** 0 (default) = an ephemeral port */
  port?: number;
  /** turnaround per reply, ms; default 5 */
  latencyMs?: number;
  timeOfDay?: () => number;
}

export class SmaSpeedwireSim {
  readonly device: SmaData2Device;
  private socket: dgram.Socket | undefined;
  private boundPort = 0;
  private readonly sessions = new Map<string, SmaSimSession>();
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<void>>();

  private constructor(private readonly options: SmaSpeedwireSimOptions) {
    this.device = new SmaData2Device(options.device, options.timeOfDay);
  }

  static async start(options: SmaSpeedwireSimOptions): Promise<SmaSpeedwireSim> {
    const sim = new SmaSpeedwireSim(options);
    await sim.bind();
    return sim;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** every client's logon forgotten, as after the device's session timeout */
  forgetLogons(): void {
    for (const session of this.sessions.values()) session.loggedOn = false;
  }

  snapshot(): SmaSimSnapshot {
    return this.device.snapshot();
  }

  injectFault(fault: SmaSimFault, scope?: SmaSimFaultScope): void {
    this.device.injectFault(fault, scope);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.pending]);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private bind(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    return new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? 0, this.host, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        socket.on('message', (msg, rinfo) => this.datagram(msg, rinfo));
        this.socket = socket;
        this.boundPort = socket.address().port;
        resolve();
      });
    });
  }

  private datagram(msg: Buffer, from: dgram.RemoteInfo): void {
    const decoded = decodeSpeedwire(msg);
    if (!decoded.ok || decoded.value.kind !== 'data2') return;
    const key = `${from.address}:${from.port}`;
    const session = this.sessions.get(key) ?? { loggedOn: false };
    this.sessions.set(key, session);
    const reply = this.device.handle(decoded.value.packet, session);
    if (!reply) return;
    const datagrams = reply.packets.map((p) => encodeSpeedwire(p));
    const last = datagrams.length - 1;
    if (reply.fault === 'truncated' || reply.fault === 'bad-fcs') datagrams[last] = datagrams[last].subarray(0, Math.floor(datagrams[last].length / 2));
    const run = async (): Promise<void> => {
      await preciseDelay(this.options.latencyMs ?? 5, this.abort.signal);
      for (const d of datagrams) if (!this.abort.signal.aborted) this.socket?.send(d, from.port, from.address);
    };
    const p = run();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
