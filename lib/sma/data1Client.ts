/**
 * SMA Data1 on the shared arbiter: every telegram and its answer is one bus transaction, in the
 * session YASDI's master runs (shared/reference/sma.md §1.5, §1.6):
 * discovery (CMD_GET_NET_START, then CMD_CFG_NETADR for a device without a usable address) →
 * channel list (CMD_GET_CINFO, many telegrams, cached per serial) → spot values (CMD_SYN_ONLINE
 * broadcast, the wait after it, then CMD_GET_DATA with the spot mask).
 * A reply longer than one telegram is asked for telegram by telegram (packet counter counting
 * down to 0), each follow-up its own transaction with its own re-requests.
 */
import type { BusRequest } from '../bus/request';
import type { UnitPolicy } from '../bus/unitHealth';
import type { Scheduler } from '../time/scheduler';
import { Priority } from '../bus/priority';
import { ConfigError, ProtocolError, TransportError } from '../bus/errors';
import { CTRL_GROUP, DATA1_ADDRESS_MAX, DATA1_ADDRESS_MIN, DATA1_COMMANDS, DATA1_MASTER_ADDRESS, MASK_SPOT } from './data1Commands';
import { decodeValues, parseChannelList, type Data1Channel, type Data1Values } from './data1Channels';
import type { Data1Packet } from './data1Packet';
import type { Data1Framing } from './data1FrameReader';
import { announce, ask, collect, encodeFrame } from './data1Exchange';
import { Data1Network, data1Unit, type Data1Device, type Data1Sync } from './data1Network';
import { DATA1_LONGEST_FRAME_BYTES, DATA1_TIMING, data1WireMs, type Data1Timing } from './data1Timing';

/** What the client needs of a bus (lib/bus/bus.ts Bus has it). */
export interface Data1Bus {
  /** the bus's time (lib/time): discovery and sync ages, the logon-free clock of the session */
  readonly scheduler: Scheduler;
  submit<T>(request: BusRequest<T>): Promise<T>;
  isUnreachable(unit: string): boolean;
  setUnitPolicy(prefix: string, policy: Partial<UnitPolicy>): void;
}

export interface Data1ClientOptions {
  /** who asks (node id), for the arbiter */
  owner: string;
  /** the line's state shared with the other readers (DATA1_NETWORK of the bus's context); a fresh one when omitted */
  network?: Data1Network;
  timing?: Partial<Data1Timing>;
  /** set when the owner stops: requests still to be sent end at once, "cancelled", and never take the wire */
  signal?: AbortSignal;
}

export interface Data1CallOptions {
  signal?: AbortSignal;
  /** goes to the wire even while the device is marked asleep */
  probe?: boolean;
  priority?: Priority;
}

export interface DiscoverOptions extends Data1CallOptions {
  /** framings to broadcast in, in order; a device that answers several keeps the first (YASDI prefers SMANet) */
  framings?: readonly Data1Framing[];
}

const NO_DATA = Buffer.alloc(0);
/** 8 chars of type text after the serial (YASDI plant.c) */
const TYPE_TEXT_BYTES = 8;

export class Data1Client {
  readonly timing: Data1Timing;
  readonly network: Data1Network;

  constructor(
    readonly bus: Data1Bus,
    readonly options: Data1ClientOptions,
  ) {
    this.timing = { ...DATA1_TIMING, ...stripUndefined(options.timing ?? {}) };
    this.network = options.network ?? new Data1Network();
    for (const [k, v] of Object.entries(this.timing)) if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new ConfigError(`SMA Data1 timing ${k} must be a number >= 0, got ${String(v)}`);
    if (!(this.timing.baudRate > 0)) throw new ConfigError(`SMA Data1 baud rate must be > 0, got ${this.timing.baudRate}`);
  }

  /**
   * Finds the devices on the line and gives an address to each one without a usable one (0, the
   * master's; outside 1–255; or one another device has). One discovery at a time per line: who
   * asks meanwhile shares it.
   */
  discover(opts: DiscoverOptions = {}): Promise<Data1Device[]> {
    return this.joined(() => {
      const net = this.network;
      if (!net.discovery) {
        const run = this.runDiscovery(opts);
        net.discovery = run.finally(() => (net.discovery = undefined));
        // a failed one (link down, cancelled) is no reason to wait before the next
        run.then(() => (net.lastDiscoveryAt = this.bus.scheduler.now())).catch(() => undefined);
      }
      return net.discovery;
    }, opts);
  }

  /** The device's channel list: from the cache, else CMD_GET_CINFO (all its telegrams). */
  async channelList(device: Data1Device, opts: Data1CallOptions = {}): Promise<readonly Data1Channel[]> {
    const cached = this.network.channels.get(device.serial);
    if (cached) return cached;
    const t = this.timing;
    const bytes = await this.askAll(device, DATA1_COMMANDS.getChannelInfo.code, NO_DATA, { ...opts, priority: opts.priority ?? Priority.Background }, [t.channelInfoTimeoutMs, t.channelInfoRetries], 'channel list');
    const parsed = parseChannelList(bytes);
    if (!parsed.ok) throw new ProtocolError(`SMA ${device.serial}: channel list refused: ${parsed.reason}`, bytes);
    this.network.channels.set(device.serial, parsed.value);
    return parsed.value;
  }

  /**
   * CMD_SYN_ONLINE in this framing, unless one went out less than `syncReuseMs` ago (one per
   * cycle, not one per device). The bus keeps the line quiet for `syncOnlineWaitMs` after it.
   */
  syncOnline(framing: Data1Framing, opts: Data1CallOptions = {}): Promise<void> {
    return this.joined(() => this.startSync(framing, opts), opts);
  }

  private startSync(framing: Data1Framing, opts: Data1CallOptions): Promise<void> {
    const last = this.network.syncs.get(framing);
    if (last && this.bus.scheduler.now() - last.at < this.timing.syncReuseMs) return last.done;
    const packet: Data1Packet = { source: DATA1_MASTER_ADDRESS, destination: 0, control: CTRL_GROUP, counter: 0, command: DATA1_COMMANDS.syncOnline.code, data: unixTime(this.bus.scheduler.wallNow()) };
    const signal = this.signalOf(opts);
    const sync: Data1Sync = {
      framing,
      at: this.bus.scheduler.now(),
      done: this.bus.submit<void>({
        owner: this.options.owner,
        signal,
        priority: opts.priority ?? Priority.Poll,
        timeoutMs: data1WireMs(encodeFrame(packet, framing).length, this.timing.baudRate) + 200,
        // YASDI runs nothing else while a broadcast is pending: devices freeze their values now
        pauseAfterMs: this.timing.syncOnlineWaitMs,
        coalesceKey: `sma-data1:sync:${framing}`,
        run: (ctx) => announce(ctx, packet, framing, this.timing.baudRate, 'SMA Data1 CMD_SYN_ONLINE', signal),
      }),
    };
    this.network.syncs.set(framing, sync);
    // a failed sync is not reused
    sync.done.catch(() => {
      if (this.network.syncs.get(framing) === sync) this.network.syncs.delete(framing);
    });
    return sync.done;
  }

  /** CMD_GET_DATA with the spot mask, index 0 (all spot channels), decoded with the channel list. */
  async getSpot(device: Data1Device, channels: readonly Data1Channel[], opts: Data1CallOptions = {}): Promise<Data1Values> {
    const t = this.timing;
    const request = Buffer.alloc(3);
    request.writeUInt16LE(MASK_SPOT, 0);
    request[2] = 0;
    const bytes = await this.askAll(device, DATA1_COMMANDS.getData.code, request, opts, [t.getDataTimeoutMs, t.getDataRetries], 'spot values');
    const values = decodeValues(bytes, channels);
    if (!values.ok) {
      // the list may be out of date (a firmware update changes it): asked again next time
      if (this.network.channels.get(device.serial) === channels) this.network.channels.delete(device.serial);
      throw new ProtocolError(`SMA ${device.serial}: spot values refused (${values.reason}); its channel list will be read again`, bytes);
    }
    return values.value;
  }

  /** One request and every telegram of its answer, concatenated (SWRNET §3.2, YASDI defractionizer.c). */
  private async askAll(device: Data1Device, command: number, data: Buffer, opts: Data1CallOptions, [timeoutMs, retries]: [number, number], what: string): Promise<Buffer> {
    const label = `SMA ${device.serial} (address ${device.address}) ${what}`;
    const first = await this.askOne(device, { command, counter: 0, data }, opts, timeoutMs, retries, label);
    const parts = [first.data];
    let counter = first.counter;
    while (counter > 0) {
      const asked = counter;
      // the follow-up: same command, no data, the counter just received; the answer counts down
      // (YASDI also takes a jump straight to 0, seen on Sunny Island)
      const next = await this.askOne(device, { command, counter: asked, data: NO_DATA }, opts, this.timing.followUpTimeoutMs, this.timing.followUpRetries, `${label}, telegram ${asked} to come`, (p) => p.counter < asked);
      parts.push(next.data);
      counter = next.counter;
    }
    return Buffer.concat(parts);
  }

  private askOne(device: Data1Device, body: { command: number; counter: number; data: Buffer }, opts: Data1CallOptions, timeoutMs: number, retries: number, what: string, accepts?: (p: Data1Packet) => boolean): Promise<Data1Packet> {
    const packet: Data1Packet = { source: DATA1_MASTER_ADDRESS, destination: device.address, control: 0, ...body };
    const unit = data1Unit(device.serial);
    const signal = this.signalOf(opts);
    const baudRate = this.timing.baudRate;
    // the response time runs from when the request has left the line
    const replyTimeoutMs = timeoutMs + data1WireMs(encodeFrame(packet, device.framing).length, baudRate);
    const longestMs = data1WireMs(DATA1_LONGEST_FRAME_BYTES, baudRate);
    return this.bus.submit<Data1Packet>({
      owner: this.options.owner,
      signal,
      unit,
      probe: opts.probe,
      priority: opts.priority ?? Priority.Poll,
      timeoutMs: replyTimeoutMs + longestMs,
      // Data1 answers carry no request id: an answer later than the response time would be taken
      // for the next request's (found by the night test: a retry took the first try's late
      // answer). The line stays quiet until a reply begun at the last moment has ended.
      lateReplyGuardMs: replyTimeoutMs + longestMs,
      retries,
      run: (ctx) => ask(ctx, { packet, framing: device.framing, accepts, unit, what, ownerSignal: signal, replyTimeoutMs, baudRate }),
    });
  }

  private async runDiscovery(opts: DiscoverOptions): Promise<Data1Device[]> {
    const t = this.timing;
    const found = new Map<number, { serial: number; address: number; type: string; framing: Data1Framing }>();
    for (const framing of opts.framings ?? ['smanet']) {
      const packet: Data1Packet = { source: DATA1_MASTER_ADDRESS, destination: 0, control: CTRL_GROUP, counter: 0, command: DATA1_COMMANDS.getNetStart.code, data: NO_DATA };
      const signal = this.signalOf(opts);
      // every device answers after its own pause; the last may come at the longest pause and be
      // followed by the quiet window
      const limitMs = t.broadcastAnswerMaxMs + t.detectionQuietMs + 1000;
      const collected = await this.bus.submit({
        owner: this.options.owner,
        signal,
        priority: opts.priority ?? Priority.Background,
        timeoutMs: limitMs + data1WireMs(encodeFrame(packet, framing).length, t.baudRate),
        run: (ctx) => collect(ctx, { packet, framing, quietMs: t.detectionQuietMs, limitMs, what: `SMA Data1 discovery (${framing})`, ownerSignal: signal }),
      });
      for (const p of collected.answers) {
        if (p.data.length < 4) continue;
        const serial = p.data.readUInt32LE(0);
        if (found.has(serial)) continue;
        found.set(serial, { serial, address: p.source, type: typeText(p.data.subarray(4, 4 + TYPE_TEXT_BYTES)), framing });
      }
    }
    const devices = [...found.values()];
    await this.assignAddresses(devices, opts);
    for (const d of devices) {
      const known = this.network.devices.get(d.serial);
      // a new address means the device may have been replaced: its channel list is asked again
      if (known && known.address !== d.address) this.network.channels.delete(d.serial);
      this.network.devices.set(d.serial, d);
    }
    return devices;
  }

  /** CMD_CFG_NETADR for each device whose address is the master's, out of range or taken (YASDI stateconfig.c; "taken" is ours: also by a known device silent now). */
  private async assignAddresses(devices: Data1Device[], opts: Data1CallOptions): Promise<void> {
    // devices known from earlier that did not answer now (asleep) keep their addresses too
    const answered = new Set(devices.map((d) => d.serial));
    const taken = new Set([...this.network.devices.values()].filter((d) => !answered.has(d.serial)).map((d) => d.address));
    const needs: Data1Device[] = [];
    for (const d of devices) {
      if (d.address < DATA1_ADDRESS_MIN || d.address > DATA1_ADDRESS_MAX || taken.has(d.address)) needs.push(d);
      else taken.add(d.address);
    }
    for (const d of needs) {
      let address = DATA1_ADDRESS_MIN;
      while (taken.has(address) && address <= DATA1_ADDRESS_MAX) address++;
      if (address > DATA1_ADDRESS_MAX) throw new ConfigError('no free SMA Data1 address left on the line (1–255 taken)');
      await this.configureAddress(d, address, opts);
      taken.add(address);
      d.address = address;
    }
  }

  private configureAddress(device: Data1Device, address: number, opts: Data1CallOptions): Promise<Data1Packet> {
    const data = Buffer.alloc(6);
    data.writeUInt32LE(device.serial, 0);
    data.writeUInt16LE(address, 4);
    const packet: Data1Packet = { source: DATA1_MASTER_ADDRESS, destination: 0, control: CTRL_GROUP, counter: 0, command: DATA1_COMMANDS.configureAddress.code, data };
    const signal = this.signalOf(opts);
    const unit = data1Unit(device.serial);
    const baudRate = this.timing.baudRate;
    const replyTimeoutMs = this.timing.configureTimeoutMs + data1WireMs(encodeFrame(packet, device.framing).length, baudRate);
    const longestMs = data1WireMs(DATA1_LONGEST_FRAME_BYTES, baudRate);
    return this.bus.submit({
      owner: this.options.owner,
      signal,
      unit,
      probe: true,
      priority: opts.priority ?? Priority.Background,
      timeoutMs: replyTimeoutMs + longestMs,
      lateReplyGuardMs: replyTimeoutMs + longestMs,
      retries: this.timing.configureRetries,
      run: (ctx) =>
        ask(ctx, {
          packet,
          framing: device.framing,
          from: address,
          accepts: (p) => p.data.length >= 4 && p.data.readUInt32LE(0) === device.serial,
          unit,
          replyTimeoutMs,
          baudRate,
          what: `SMA ${device.serial}: CMD_CFG_NETADR to address ${address}`,
          ownerSignal: signal,
        }),
    });
  }

  /**
   * A shared step (discovery, sync) another reader may have started: when it was cancelled for
   * them (their node closed) and not for us, ours runs anew instead of failing with theirs.
   */
  private async joined<T>(step: () => Promise<T>, opts: Data1CallOptions): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof TransportError && err.kind === 'cancelled' && !this.signalOf(opts)?.aborted) return step();
      throw err;
    }
  }

  private signalOf(opts: Data1CallOptions): AbortSignal | undefined {
    const signals = [this.options.signal, opts.signal].filter((s): s is AbortSignal => s !== undefined);
    return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
  }
}

function unixTime(wallMs: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(Math.floor(wallMs / 1000) >>> 0, 0);
  return b;
}

function typeText(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes
    .subarray(0, nul < 0 ? bytes.length : nul)
    .toString('latin1')
    .trim();
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
