/**
 * An SMA device over Bluetooth (Sunny Mini Central, Sunny Boy with a Bluetooth Piggy-Back),
 * reached through an RFCOMM tty (`rfcomm bind /dev/rfcomm0 <bdaddr> 1`) that the bus opens as
 * a 'serial' link. Opening the tty makes the RFCOMM connection; the source then runs the connect
 * handshake (bluetoothHandshake.ts) and the SMAData2+ session (data2Session.ts). A link that
 * drops is reopened by the bus with its backoff; the source sees the bus go 'reconnecting' and
 * handshakes again on its next read. A device that stops answering (night: the inverter switches
 * its Bluetooth off) is handshaken again too: after two silent reads in a row, or at once when
 * its hello shows up among the replies (it has dropped the connection and announces itself).
 */
import type { BusState } from '../bus/busSettings';
import type { Scheduler } from '../time/scheduler';
import { ConfigError } from '../bus/errors';
import { Priority } from '../bus/priority';
import { bluetoothRequestBytes, BluetoothDecoder } from './bluetoothCarrier';
import { runBluetoothHandshake, type BluetoothPeer } from './bluetoothHandshake';
import { BT_ZERO, isBluetoothAddress } from './bluetoothL1';
import type { Data2Packet } from './data2Packet';
import { Data2Session, type Data2Bus, type Data2Carrier } from './data2Session';
import { DATA2_TIMING } from './data2Timing';
import type { UserGroup } from './logon';
import type { SmaReading, SmaReadOptions, SmaSource } from './smaSource';

/** What the source needs of a bus: submit, and its 'state' events to notice a reopened link. */
export interface BluetoothBus extends Data2Bus {
  on(event: 'state', listener: (state: BusState) => void): unknown;
  removeListener(event: 'state', listener: (state: BusState) => void): unknown;
}

/** silent reads in a row after which the connection counts as gone (ours) */
const SILENT_READS_TO_RECONNECT = 2;

export interface BluetoothSourceOptions {
  owner: string;
  password: string;
  group?: UserGroup;
  /** the inverter's Bluetooth address: when set, a hello from another device is refused */
  address?: string;
  /** unit key on the bus; default "sma:bt:<address>" or "sma:bt" */
  unit?: string;
  /** reply timeout per exchange, ms; default SBFspot's 10 s (data2Timing.ts) */
  timeoutMs?: number;
  pauseAfterMs?: number;
  signal?: AbortSignal;
  /** time for the session's logon back-off and renewal (lib/time); the system's when absent */
  scheduler?: Pick<Scheduler, 'now' | 'wallNow'>;
  sessionSerial?: number;
}

export class BluetoothSource implements SmaSource {
  readonly transport = 'bluetooth' as const;
  readonly unit: string;
  private readonly session: Data2Session;
  private peer: BluetoothPeer | undefined;
  /** reads in a row that ended in silence */
  private silentReads = 0;
  private readonly stop = new AbortController();
  private closed = false;
  private readonly onState = (state: BusState): void => {
    if (state === 'reconnecting') this.dropConnection();
  };

  constructor(
    private readonly bus: BluetoothBus,
    private readonly options: BluetoothSourceOptions,
  ) {
    if (options.address !== undefined && !isBluetoothAddress(options.address)) throw new ConfigError(`not a Bluetooth address: ${JSON.stringify(options.address)} (expected 00:80:25:xx:xx:xx)`);
    this.unit = options.unit ?? (options.address ? `sma:bt:${options.address.toUpperCase()}` : 'sma:bt');
    const signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
    const carrier: Data2Carrier = {
      encode: (packet: Data2Packet) => bluetoothRequestBytes(packet, this.peer?.local ?? BT_ZERO),
      decoder: () => new BluetoothDecoder(() => this.dropConnection()),
      prepare: (opts) => this.connect(opts),
      failed: (kind) => {
        // a lost link is a lost connection; one silent exchange may be a lost frame, a second in a
        // row means the inverter has gone (asleep, out of range) and will want a new handshake
        if (kind === 'closed' || (kind === 'timeout' && ++this.silentReads >= SILENT_READS_TO_RECONNECT)) this.dropConnection();
      },
      answered: () => {
        this.silentReads = 0;
      },
    };
    this.session = new Data2Session(bus, carrier, {
      owner: options.owner,
      unit: this.unit,
      password: options.password,
      group: options.group,
      timeoutMs: options.timeoutMs ?? DATA2_TIMING.bluetooth.replyTimeoutMs,
      pauseAfterMs: options.pauseAfterMs ?? DATA2_TIMING.bluetooth.pauseAfterMs,
      signal,
      scheduler: options.scheduler,
      sessionSerial: options.sessionSerial,
    });
    bus.on('state', this.onState);
  }

  /** The handshake's result while connected. */
  get connection(): BluetoothPeer | undefined {
    return this.peer;
  }

  read(options?: SmaReadOptions): Promise<SmaReading> {
    return this.session.read(options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.removeListener('state', this.onState);
    await this.session.logoff();
    this.stop.abort(new Error('source closed'));
  }

  private dropConnection(): void {
    this.peer = undefined;
    this.silentReads = 0;
  }

  private async connect(opts: SmaReadOptions): Promise<boolean> {
    if (this.peer) return false;
    const signals = [this.stop.signal, this.options.signal, opts.signal].filter((s): s is AbortSignal => s !== undefined);
    const peer = await this.bus.submit<BluetoothPeer>({
      owner: this.options.owner,
      signal: AbortSignal.any(signals),
      unit: this.unit,
      priority: Priority.Poll,
      probe: opts.probe,
      timeoutMs: this.options.timeoutMs ?? DATA2_TIMING.bluetooth.replyTimeoutMs,
      run: (ctx) => runBluetoothHandshake(ctx, this.unit),
    });
    const expected = this.options.address?.toUpperCase();
    if (expected !== undefined && peer.inverter !== expected) throw new ConfigError(`${this.unit}: the device on this link is ${peer.inverter}, not ${expected}`);
    this.peer = peer;
    return true;
  }
}
