/**
 * One Sunny Boy behind an RS485 Piggy-Back, read through SMA Data1 on the bus's arbiter.
 *
 * Unit key "sma:<serial>", not "sma:<address>": the network address is the master's to give
 * (CMD_CFG_NETADR) and may change after a discovery, while the serial is the device's own and is
 * what the Bluetooth and Speedwire sources key on too — the device's sleep state and counters
 * follow it whichever address it has.
 */
import type { Bus } from '../bus/bus';
import { ConfigError, TransportError } from '../bus/errors';
import { Data1Client, type Data1CallOptions } from './data1Client';
import type { Data1Framing } from './data1FrameReader';
import { data1Fields } from './data1Fields';
import { DATA1_NETWORK, data1Unit, type Data1Device } from './data1Network';
import type { Data1Timing } from './data1Timing';
import type { SmaReadOptions, SmaReading, SmaSource } from './smaSource';
import { isData1Address } from './data1Commands';

export interface Data1SourceOptions {
  /** who reads (node id), for the arbiter */
  owner: string;
  /** the device's serial number */
  serial: number;
  /** its network address when known (set by an earlier master); else the discovery finds it */
  address?: number;
  /** default 'smanet'; older Piggy-Backs answer SunnyNet only (shared/reference/sma.md §1.2) */
  framing?: Data1Framing;
  timing?: Partial<Data1Timing>;
  /** unanswered requests in a row before the device counts as asleep; default 3 */
  missesToAsleep?: number;
  /** how often an asleep device is probed; default 60 s */
  probeEveryMs?: number;
  /** an unknown device is looked for again by a discovery at most this often; default 60 s */
  rediscoverEveryMs?: number;
}

export const DATA1_SOURCE_DEFAULTS = {
  framing: 'smanet',
  missesToAsleep: 3,
  probeEveryMs: 60000,
  rediscoverEveryMs: 60000,
} as const;

export class Data1Source implements SmaSource {
  readonly transport = 'data1' as const;
  readonly unit: string;
  private readonly client: Data1Client;
  private readonly closing = new AbortController();
  private readonly framing: Data1Framing;

  constructor(
    readonly bus: Bus,
    readonly options: Data1SourceOptions,
  ) {
    if (!(Number.isInteger(options.serial) && options.serial > 0 && options.serial <= 0xffffffff)) throw new ConfigError(`SMA serial must be a whole number 1–4294967295, got ${String(options.serial)}`);
    if (options.address !== undefined && !isData1Address(options.address)) throw new ConfigError(`SMA Data1 address must be 1–255, got ${String(options.address)}`);
    this.unit = data1Unit(options.serial);
    this.framing = options.framing ?? DATA1_SOURCE_DEFAULTS.framing;
    this.client = new Data1Client(bus, { owner: options.owner, network: bus.context.get(DATA1_NETWORK), timing: withLineSpeed(bus, options.timing), signal: this.closing.signal });
    const probeEveryMs = options.probeEveryMs ?? DATA1_SOURCE_DEFAULTS.probeEveryMs;
    // for this unit only: a policy for the whole "sma:" prefix would be the last reader's for every device
    bus.setUnitPolicy(this.unit, { missesToUnreachable: options.missesToAsleep ?? DATA1_SOURCE_DEFAULTS.missesToAsleep, backoffInitialMs: probeEveryMs, backoffMaxMs: probeEveryMs, backoffFactor: 1 });
  }

  /** Missed its answers and waits for the next probe. */
  get asleep(): boolean {
    return this.bus.isUnreachable(this.unit);
  }

  async read(options: SmaReadOptions = {}): Promise<SmaReading> {
    if (this.closing.signal.aborted) throw new TransportError('cancelled', `${this.unit}: the source is closed`, this.unit);
    const call: Data1CallOptions = { signal: options.signal, probe: options.probe };
    let device = await this.device(call);
    if (this.asleep && this.options.address === undefined && this.rediscoveryDue()) {
      // asleep, or given another address meanwhile (a Piggy-Back that lost its address answers
      // nothing to the old one): the discovery, as often as an unknown device gets one
      await this.client.discover({ ...call, framings: [this.framing] });
      device = await this.device(call);
    }
    const channels = await this.client.channelList(device, call);
    if (this.asleep && !options.probe) {
      // no broadcast for a device asleep: the request goes only when its probe is due (the bus
      // decides), and a device that answers is read again with fresh values
      await this.client.getSpot(device, channels, call);
    }
    await this.client.syncOnline(device.framing, call);
    const values = await this.client.getSpot(device, channels, call);
    return { serial: device.serial, type: device.type || undefined, fields: data1Fields(values, channels), time: this.bus.scheduler.wallNow() };
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    // every request of this source carries the signal: what is still queued ends "cancelled"
    // (not cancelOwner: the owner may read other devices through other sources)
    this.closing.abort();
  }

  private rediscoveryDue(): boolean {
    const last = this.client.network.lastDiscoveryAt;
    return last === undefined || this.bus.scheduler.now() - last >= (this.options.rediscoverEveryMs ?? DATA1_SOURCE_DEFAULTS.rediscoverEveryMs);
  }

  /** The device as the line knows it: configured address, the last discovery, or a new one. */
  private async device(call: Data1CallOptions): Promise<Data1Device> {
    const net = this.client.network;
    const serial = this.options.serial;
    const known = net.devices.get(serial);
    if (known) return known;
    if (this.options.address !== undefined) {
      const device: Data1Device = { serial, address: this.options.address, type: '', framing: this.framing };
      net.devices.set(serial, device);
      return device;
    }
    if (this.rediscoveryDue() || call.probe || net.discovery) await this.client.discover({ ...call, framings: [this.framing] });
    const found = net.devices.get(serial);
    if (!found) throw new TransportError('timeout', `${this.unit}: no SMA device with serial ${serial} answered the discovery`, this.unit);
    return found;
  }
}

/**
 * Wire times at the speed the bus runs its line (a Sunny Boy Control line runs 19200, YDOC),
 * unless the caller set one: 1200 when the bus does not say (a TCP serial server without it).
 */
function withLineSpeed(bus: Bus, timing: Partial<Data1Timing> = {}): Partial<Data1Timing> {
  const link = bus.settings.link;
  const baudRate = timing.baudRate ?? (link.kind === 'serial' ? link.baudRate : link.kind === 'tcp' ? link.lineBaudRate : undefined);
  return baudRate === undefined ? timing : { ...timing, baudRate };
}

export interface DiscoveredData1 {
  address: number;
  serial: number;
  type: string;
}

export interface DiscoverData1Options {
  owner?: string;
  /** default both, SMANet first (YASDI's detection) */
  framings?: readonly Data1Framing[];
  timing?: Partial<Data1Timing>;
  signal?: AbortSignal;
}

/** The editor's scan: every SMA Data1 device on the bus's line, with the address it has now. */
export async function discoverData1(bus: Bus, options: DiscoverData1Options = {}): Promise<DiscoveredData1[]> {
  const client = new Data1Client(bus, { owner: options.owner ?? 'sma-data1-scan', network: bus.context.get(DATA1_NETWORK), timing: withLineSpeed(bus, options.timing), signal: options.signal });
  const devices = await client.discover({ framings: options.framings ?? ['smanet', 'sunnynet'], probe: true });
  return devices.map((d) => ({ address: d.address, serial: d.serial, type: d.type })).sort((a, b) => a.address - b.address);
}
