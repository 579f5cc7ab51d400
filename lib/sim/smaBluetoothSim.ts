/**
 * A Sunny Mini Central on a socat pty pair, standing in for the RFCOMM tty (/dev/rfcomm0) that
 * BlueZ gives once the inverter is bound. While awake and not connected it repeats its hello
 * (L1 0x0002, about once a second — python-smadata2); a client's hello answer makes the
 * connection: 0x000A (its address, 0x01, the client's), 0x000C, and a one-entry topology 0x0005
 * (26 bytes, the short form an SB2500HF-30 sends). Then SMAData2+ in L2 frames, answered by
 * SmaData2Device after the modelled turnaround and wire time. At night it is silent and forgets
 * the connection (the inverter switches Bluetooth off). Faults: smaData2Device.ts.
 */
import { preciseDelay } from '../time/preciseDelay';
import { addressBytes, encodeL1, L1_COMMANDS, L1Reader, BT_ZERO, type L1Packet } from '../sma/bluetoothL1';
import { L1_MAX_PAYLOAD, L2Assembler, l1PacketsFor } from '../sma/bluetoothL2Assembly';
import { L2_SIGNATURE } from '../sma/bluetoothL2Frame';
import { encodeData2, type Data2Packet } from '../sma/data2Packet';
import { fcs16, fcsBytes } from '../sma/fcs16';
import { escapeBytes, FLAG } from '../sma/hdlcEscape';
import { startDeviceEndpoint, type DeviceEndpoint, type DeviceStream, type StreamHandler } from './deviceEndpoint';
import { SmaData2Device, type SmaSimFault, type SmaSimFaultScope, type SmaSimDeviceSpec, type SmaSimSnapshot } from './smaData2Device';
import { WireModel } from './wireModel';

export interface SmaBluetoothSimOptions {
  device: SmaSimDeviceSpec;
  /** the inverter's Bluetooth address; default 00:80:25:1E:2D:3C */
  address?: string;
  /** the address the inverter gives the client in 0x000A; default 00:1A:7D:DA:71:04 */
  clientAddress?: string;
  /** NetID in the hello; default 1 */
  netId?: number;
  /** hello repeat while not connected, ms; default 1000 */
  helloIntervalMs?: number;
  /** a connection with no request for this long is dropped and hellos start again, ms; default 60000 (ours) */
  idleDropMs?: number;
  /** the inverter's turnaround per reply, ms; default 20 */
  latencyMs?: number;
  /** throughput modelled for the wire time (RFCOMM has no UART; ours); default 115200 */
  baudRate?: number;
  /** local time of day in hours; default the wall clock */
  timeOfDay?: () => number;
}

const DEFAULT_ADDRESS = '00:80:25:1E:2D:3C';
const DEFAULT_CLIENT = '00:1A:7D:DA:71:04';
/** the inverter's type in its topology entry (James Ball: 0x0101 = inverter) */
const TOPOLOGY_INVERTER = 0x0101;

export class SmaBluetoothSim {
  readonly device: SmaData2Device;
  readonly address: string;
  readonly clientAddress: string;
  /** client hellos answered with a connection */
  connects = 0;
  private readonly wire: WireModel;
  private endpoint: DeviceEndpoint | undefined;
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly options: SmaBluetoothSimOptions) {
    this.device = new SmaData2Device(options.device, options.timeOfDay);
    this.address = (options.address ?? DEFAULT_ADDRESS).toUpperCase();
    this.clientAddress = (options.clientAddress ?? DEFAULT_CLIENT).toUpperCase();
    this.wire = new WireModel({ baudRate: options.baudRate ?? 115200, turnaroundMs: options.latencyMs ?? 20 });
  }

  static async start(options: SmaBluetoothSimOptions): Promise<SmaBluetoothSim> {
    const sim = new SmaBluetoothSim(options);
    sim.endpoint = await startDeviceEndpoint({ transport: 'pty' }, (stream) => sim.accept(stream));
    return sim;
  }

  /** the tty the code under test opens, as it would /dev/rfcomm0 */
  get clientPath(): string {
    const path = this.endpoint?.clientPath;
    if (!path) throw new Error('simulator not started');
    return path;
  }

  get endpointControl(): DeviceEndpoint | undefined {
    return this.endpoint;
  }

  snapshot(): SmaSimSnapshot {
    return this.device.snapshot();
  }

  injectFault(fault: SmaSimFault, scope?: SmaSimFaultScope): void {
    this.device.injectFault(fault, scope);
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    await Promise.all([...this.pending]);
    await this.endpoint?.close();
  }

  private accept(stream: DeviceStream): StreamHandler {
    const reader = new L1Reader();
    const assembler = new L2Assembler();
    const session = { loggedOn: false };
    let connected = false;
    let lastRequestAt = performance.now();
    const netId = this.options.netId ?? 1;
    const hello = encodeL1({ source: this.address, destination: BT_ZERO, command: L1_COMMANDS.hello, payload: Buffer.from([0x00, 0x04, 0x70, 0x00, netId, 0, 0, 0, 0, 0x01, 0, 0, 0]) });
    const disconnect = (): void => {
      connected = false;
      session.loggedOn = false;
      assembler.reset();
    };
    const tick = (): void => {
      if (!stream.open) return;
      if (!this.device.awake) return disconnect();
      if (connected && performance.now() - lastRequestAt > (this.options.idleDropMs ?? 60000)) disconnect();
      if (!connected) stream.write(hello);
    };
    const timer = setInterval(tick, this.options.helloIntervalMs ?? 1000);
    this.timers.add(timer);
    setImmediate(tick);
    const onPacket = (p: L1Packet, arrivedAt: number): void => {
      if (!this.device.awake) return;
      if (p.command === L1_COMMANDS.hello) {
        if (p.payload[4] !== netId) return;
        connected = true;
        session.loggedOn = false;
        lastRequestAt = arrivedAt;
        this.connects += 1;
        this.send(stream, arrivedAt, p.payload.length, this.connectPackets());
        return;
      }
      if (!connected) return;
      const frame = assembler.push(p);
      if (!frame?.ok) return;
      lastRequestAt = arrivedAt;
      const reply = this.device.handle(frame.value, session);
      if (!reply) return;
      let bytes = Buffer.concat(
        reply.packets.map((packet, i) =>
          // the garbled frame is the last one: the frames before it are whole
          reply.fault === 'bad-fcs' && i === reply.packets.length - 1 ? garbledPieces(packet, this.address, this.clientAddress) : Buffer.concat(l1PacketsFor(packet, this.address, this.clientAddress).map(encodeL1)),
        ),
      );
      if (reply.fault === 'truncated') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
      this.send(stream, arrivedAt, p.payload.length + 18, bytes);
    };
    return {
      data: (chunk, arrivedAt) => {
        for (const event of reader.push(chunk)) if (event.kind === 'packet') onPacket(event.packet, arrivedAt);
      },
      closed: () => {
        clearInterval(timer);
        this.timers.delete(timer);
      },
    };
  }

  private connectPackets(): Buffer {
    const me = addressBytes(this.address);
    const topology = Buffer.alloc(8);
    me.copy(topology, 0);
    topology.writeUInt16LE(TOPOLOGY_INVERTER, 6);
    return Buffer.concat([
      encodeL1({ source: this.address, destination: this.clientAddress, command: L1_COMMANDS.connect0a, payload: Buffer.concat([me, Buffer.from([0x01]), addressBytes(this.clientAddress)]) }),
      // 0x000C's content is not described by the sources; the client does not read it
      encodeL1({ source: this.address, destination: this.clientAddress, command: L1_COMMANDS.connect0c, payload: Buffer.from([0x02, 0x00]) }),
      encodeL1({ source: this.address, destination: this.clientAddress, command: L1_COMMANDS.topology, payload: topology }),
    ]);
  }

  private send(stream: DeviceStream, arrivedAt: number, requestBytes: number, bytes: Buffer): void {
    const due = arrivedAt + this.wire.replyDelayMs(requestBytes, bytes.length);
    const run = async (): Promise<void> => {
      await preciseDelay(due - performance.now(), this.abort.signal);
      if (!this.abort.signal.aborted && stream.open) stream.write(bytes);
    };
    const p = run();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/** The reply's L2 frame with one value byte changed after its FCS was computed, cut into L1 pieces. */
function garbledPieces(packet: Data2Packet, source: string, destination: string): Buffer {
  const inner = Buffer.concat([L2_SIGNATURE, encodeData2(packet)]);
  const fcs = Buffer.from(fcsBytes(fcs16(inner)));
  // 12 bytes from the end: the value SBFspot reads in a 28-byte record (+16), the low byte of it
  inner[inner.length - 12] ^= 0x04;
  const frame = Buffer.concat([Buffer.from([FLAG]), escapeBytes(Buffer.concat([inner, fcs])), Buffer.from([FLAG])]);
  const pieces: Buffer[] = [];
  for (let at = 0; at < frame.length; at += L1_MAX_PAYLOAD) {
    const last = at + L1_MAX_PAYLOAD >= frame.length;
    pieces.push(encodeL1({ source, destination, command: last ? L1_COMMANDS.l2Last : L1_COMMANDS.l2More, payload: frame.subarray(at, at + L1_MAX_PAYLOAD) }));
  }
  return Buffer.concat(pieces);
}
