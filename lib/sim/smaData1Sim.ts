/**
 * Sunny Boys with RS485 Piggy-Backs on one line (a pty or a TCP serial server), speaking SMA
 * Data1 in SMANet or SunnyNet framing — each request answered in the framing it came in:
 * discovery (CMD_GET_NET_START / CMD_GET_NET, each device after its own pause of 70 + 0…4790 ms,
 * SWRNET §3.3), CMD_CFG_NETADR, CMD_SYN_ONLINE (values frozen), CMD_GET_CINFO and CMD_GET_DATA
 * cut into telegrams of at most 255 data bytes with the packet counter counting down (§1.5).
 * Every answer leaves only after the modelled wire time at the line's speed (lib/sim/wireModel.ts)
 * and the device's turnaround; answers of several devices follow one another on the line, never
 * overlapping (ours: no source describes collisions). Silent at night; faults on demand.
 */
import { preciseDelay } from '../time/preciseDelay';
import { CTRL_ANSWER, CTRL_GROUP, DATA1_COMMANDS, DATA1_MTU } from '../sma/data1Commands';
import { Data1FrameReader, type Data1Framing } from '../sma/data1FrameReader';
import type { Data1Packet } from '../sma/data1Packet';
import { encodeSmanet } from '../sma/smanetFrame';
import { encodeSunnynet } from '../sma/sunnynetFrame';
import { hoursOfDay } from './daylightCurve';
import { startDeviceEndpoint, type DeviceEndpoint, type DeviceStream, type EndpointSpec, type StreamHandler } from './deviceEndpoint';
import { seededRandom } from './seededRandom';
import { SmaData1Device, type SmaData1DeviceSpec, type SmaData1Snapshot } from './smaData1Device';
import { applySmaData1Fault, SmaData1FaultPlan, type SmaData1Fault, type SmaData1FaultScope } from './smaData1Faults';
import { WireModel } from './wireModel';

export type { SmaData1DeviceSpec, SmaData1Snapshot } from './smaData1Device';
export type { SmaData1Fault, SmaData1FaultScope } from './smaData1Faults';

/** bytes handed on at once (ours: a UART with a FIFO and a short latency timer passes a few at a time) */
const PIECE_BYTES = 8;

export interface SmaData1SimOptions {
  endpoint: EndpointSpec;
  devices: SmaData1DeviceSpec[];
  /** line speed modelled; default 1200 (a Sunny Boy line, YDOC) */
  baudRate?: number;
  /** a device's turnaround before it answers a telegram to its address: fixed or [min, max]; default [20, 80] ms (ours) */
  latencyMs?: number | readonly [number, number];
  /** a device's pause before it answers a broadcast, [min, max]; default [70, 4860] ms (SWRNET §3.3) */
  broadcastPauseMs?: readonly [number, number];
  /** local time of day in hours (0–24); default the wall clock */
  timeOfDay?: () => number;
  /** devices are silent at night; default true */
  nightSilence?: boolean;
  /** seed of the latency and pause random source; default 1 */
  seed?: number;
}

export interface SmaData1RequestRecord {
  framing: Data1Framing;
  command: number;
  counter: number;
  destination: number;
  broadcast: boolean;
  /** performance.now() when the request had arrived */
  arrivedAt: number;
  /** serials of the devices that answered (or were to, before a fault) */
  answeredBy: number[];
  /** when each answer occupies the line (performance.now()), as modelled: first byte to last */
  schedule: { serial: number; startAt: number; doneAt: number }[];
  fault: SmaData1Fault | null;
  /** arrived while an answer was still due on the line: two talkers at once */
  overlap: boolean;
}

interface Reply {
  device: SmaData1Device;
  packet: Data1Packet;
  /** ms after the request's arrival at which the device starts to talk (turnaround or broadcast pause) */
  pauseMs: number;
}

export class SmaData1Sim {
  readonly requests: SmaData1RequestRecord[] = [];
  readonly wire: WireModel;
  readonly devices: SmaData1Device[];
  private readonly faults = new SmaData1FaultPlan();
  private readonly abort = new AbortController();
  private readonly random: () => number;
  private readonly pending = new Set<Promise<void>>();
  private endpoint: DeviceEndpoint | undefined;

  private constructor(private readonly options: SmaData1SimOptions) {
    this.devices = options.devices.map((spec) => new SmaData1Device(spec));
    const serials = new Set(this.devices.map((d) => d.serial));
    if (serials.size !== this.devices.length) throw new RangeError('two simulated SMA devices with one serial');
    this.wire = new WireModel({ baudRate: options.baudRate ?? 1200, turnaroundMs: 0 });
    this.random = seededRandom(options.seed ?? 1);
  }

  static async start(options: SmaData1SimOptions): Promise<SmaData1Sim> {
    const sim = new SmaData1Sim(options);
    sim.endpoint = await startDeviceEndpoint(options.endpoint, (stream) => sim.accept(stream));
    return sim;
  }

  get clientPath(): string | undefined {
    return this.endpoint?.clientPath;
  }

  get port(): number | undefined {
    return this.endpoint?.port;
  }

  get device(): DeviceEndpoint | undefined {
    return this.endpoint;
  }

  bySerial(serial: number): SmaData1Device {
    const d = this.devices.find((x) => x.serial === serial);
    if (!d) throw new RangeError(`no simulated SMA device with serial ${serial}`);
    return d;
  }

  /** What the device would measure now. */
  snapshot(serial: number): SmaData1Snapshot {
    return this.bySerial(serial).snapshot(this.hours());
  }

  /** What its CMD_GET_DATA answers with: the values frozen by the last CMD_SYN_ONLINE. */
  frozen(serial: number): SmaData1Snapshot | undefined {
    return this.bySerial(serial).frozen?.snapshot;
  }

  injectFault(fault: SmaData1Fault, scope?: SmaData1FaultScope): void {
    this.faults.inject(fault, scope);
  }

  clearFaults(serial?: number): void {
    this.faults.clear(serial);
  }

  get overlaps(): number {
    return this.requests.filter((r) => r.overlap).length;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.pending]);
    await this.endpoint?.close();
  }

  private hours(): number {
    return this.options.timeOfDay ? this.options.timeOfDay() : hoursOfDay(new Date());
  }

  private draw([lo, hi]: readonly [number, number]): number {
    return lo + this.random() * (hi - lo);
  }

  private turnaround(): number {
    const latency = this.options.latencyMs ?? [20, 80];
    return typeof latency === 'number' ? latency : this.draw(latency);
  }

  private accept(stream: DeviceStream): StreamHandler {
    const reader = new Data1FrameReader();
    // when the line is free again: the last byte of the last answer due (performance.now())
    let lineFreeAt = 0;
    return {
      data: (chunk, arrivedAt) => {
        for (const event of reader.push(chunk)) {
          if (event.kind !== 'packet' || event.packet.control & CTRL_ANSWER) continue; // refused frames and answers: not for a device
          const record: SmaData1RequestRecord = {
            framing: event.framing,
            command: event.packet.command,
            counter: event.packet.counter,
            destination: event.packet.destination,
            broadcast: (event.packet.control & CTRL_GROUP) !== 0,
            arrivedAt,
            answeredBy: [],
            schedule: [],
            fault: null,
            overlap: arrivedAt < lineFreeAt,
          };
          this.requests.push(record);
          const requestMs = this.wire.charTimeMs * event.raw.length;
          let at = Math.max(arrivedAt + requestMs, lineFreeAt);
          for (const reply of this.answer(event.packet, event.framing)) {
            record.answeredBy.push(reply.device.serial);
            const fault = this.faults.take(reply.device.serial, reply.packet.command);
            record.fault ??= fault;
            const frame = event.framing === 'smanet' ? encodeSmanet(reply.packet) : encodeSunnynet(reply.packet, true);
            const sent = applySmaData1Fault(fault, frame);
            // answers go one after another: a device waits its pause, then for the line
            const start = Math.max(arrivedAt + requestMs + reply.pauseMs, at);
            const done = start + this.wire.charTimeMs * frame.length;
            record.schedule.push({ serial: reply.device.serial, startAt: start, doneAt: done });
            if (sent) this.send(stream, sent, done, frame.length);
            at = done;
            lineFreeAt = Math.max(lineFreeAt, done);
          }
        }
      },
      closed: () => undefined,
    };
  }

  /**
   * Writes the frame as a UART would hand it on: a few bytes at a time, each piece when its last
   * byte has crossed the line, the last byte at `doneAt`. A reader sees an answer begin before it
   * ends, as on a real line at 1200 baud.
   */
  private send(stream: DeviceStream, bytes: Buffer, doneAt: number, framedLength: number): void {
    const startAt = doneAt - this.wire.charTimeMs * framedLength;
    const job = (async () => {
      for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
        const end = Math.min(bytes.length, at + PIECE_BYTES);
        const wait = startAt + end * this.wire.charTimeMs - performance.now();
        // only the last byte's moment needs to be exact (preciseDelay costs some CPU); the others go on the timer
        if (end === bytes.length) await preciseDelay(wait, this.abort.signal);
        else await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, wait)));
        if (this.abort.signal.aborted || !stream.open) return;
        stream.write(bytes.subarray(at, end));
      }
    })();
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  /** The answers a request gets, in the order they go on the line. */
  private answer(request: Data1Packet, framing: Data1Framing): Reply[] {
    const hours = this.hours();
    const awake = this.devices.filter((d) => d.framings.has(framing) && (this.options.nightSilence === false || d.snapshot(hours).awake));
    const reply = (device: SmaData1Device, counter: number, data: Buffer, pauseMs: number): Reply => ({
      device,
      pauseMs,
      packet: { source: device.address, destination: request.source, control: CTRL_ANSWER, counter, command: request.command, data },
    });
    const broadcastPause = (): number => this.draw(this.options.broadcastPauseMs ?? [70, 4860]);
    const announce = (d: SmaData1Device): Buffer => {
      const b = Buffer.alloc(12);
      b.writeUInt32LE(d.serial, 0);
      b.write(d.type, 4, 'latin1');
      return b;
    };
    const C = DATA1_COMMANDS;
    if (request.control & CTRL_GROUP) {
      switch (request.command) {
        case C.getNetStart.code:
          for (const d of awake) d.configured = false;
          return awake.map((d) => reply(d, 0, announce(d), broadcastPause())).sort((a, b) => a.pauseMs - b.pauseMs);
        case C.getNet.code:
          return awake
            .filter((d) => !d.configured)
            .map((d) => reply(d, 0, announce(d), broadcastPause()))
            .sort((a, b) => a.pauseMs - b.pauseMs);
        case C.configureAddress.code: {
          if (request.data.length < 6) return [];
          const d = awake.find((x) => x.serial === request.data.readUInt32LE(0));
          if (!d) return [];
          d.address = request.data.readUInt16LE(4);
          d.configured = true;
          return [reply(d, 0, request.data.subarray(0, 4), this.turnaround())];
        }
        case C.syncOnline.code: {
          const time = request.data.length >= 4 ? request.data.readUInt32LE(0) : Math.floor(Date.now() / 1000);
          for (const d of awake) d.frozen = { time, snapshot: d.snapshot(hours) };
          return [];
        }
        default:
          return [];
      }
    }
    const device = awake.find((d) => d.address === request.destination && d.address !== 0);
    if (!device) return [];
    const whole = this.wholeAnswer(device, request, hours);
    if (!whole) return [];
    // telegrams of at most DATA1_MTU data bytes; the first carries the number still to come
    const telegrams = Math.max(1, Math.ceil(whole.length / DATA1_MTU));
    const telegram = (k: number): Buffer => whole.subarray(k * DATA1_MTU, (k + 1) * DATA1_MTU);
    if (request.counter === 0) return [reply(device, telegrams - 1, telegram(0), this.turnaround())];
    // a follow-up names the counter just received: the device sends the telegram after it
    const k = telegrams - request.counter;
    if (k < 1 || k >= telegrams) return [];
    return [reply(device, request.counter - 1, telegram(k), this.turnaround())];
  }

  /** The whole answer of a telegram to one device; undefined when it does not answer that. */
  private wholeAnswer(device: SmaData1Device, request: Data1Packet, hours: number): Buffer | undefined {
    switch (request.command) {
      case DATA1_COMMANDS.getChannelInfo.code:
        return device.channelListBytes();
      case DATA1_COMMANDS.getData.code: {
        // a follow-up has no data: it continues the answer of the request before it
        const asked = request.counter === 0 ? request.data : device.lastDataRequest;
        if (!asked || asked.length < 3) return undefined;
        device.lastDataRequest = Buffer.from(asked);
        const frozen = device.frozen ?? { time: Math.floor(Date.now() / 1000), snapshot: device.snapshot(hours) };
        return device.dataBytes(asked.readUInt16LE(0), asked[2], frozen.snapshot, frozen.time);
      }
      default:
        return undefined;
    }
  }
}

