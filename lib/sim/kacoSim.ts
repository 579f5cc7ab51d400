/**
 * KACO Powador inverters on a pty or a TCP port: requests `#AAc` + CR (or CR LF) are answered by
 * the inverter at that address, after its turnaround plus the time request and reply would take
 * on a 9600-baud line; standard (xi) and generic (TL3) command 0 frames, command 3 and 9;
 * values from a daylight curve at an injectable time of day; silence at night; faults on demand.
 */
import { preciseDelay } from '../time/preciseDelay';
import { startDeviceEndpoint, type DeviceEndpoint, type DeviceStream, type EndpointSpec, type StreamHandler } from './deviceEndpoint';
import { hoursOfDay } from './daylightCurve';
import { applyFault, KacoFaultPlan, type KacoFault, type KacoFaultScope } from './kacoFaults';
import { genericReply, standardReply, typeReply, yieldReply, type ReplyFrame } from './kacoReplyFrames';
import { SimInverter, type SimInverterSpec, type SimSnapshot } from './kacoSimInverter';
import { WireModel } from './wireModel';
import { seededRandom } from './seededRandom';

export type { KacoFault, KacoFaultScope } from './kacoFaults';
export type { SimInverterSpec, SimSnapshot } from './kacoSimInverter';

export interface KacoSimOptions {
  endpoint: EndpointSpec;
  inverters: SimInverterSpec[];
  /** the inverter's turnaround: fixed, or [min, max] drawn per reply; default [50, 300] ms */
  latencyMs?: number | readonly [number, number];
  /** line speed modelled for the wire time; default 9600 (KACO's) */
  baudRate?: number;
  /** local time of day in hours (0–24); default the wall clock */
  timeOfDay?: () => number;
  /** inverters switched off at night stay silent; default true */
  nightSilence?: boolean;
  /** seed of the latency and garbling random source; default 1 */
  seed?: number;
  /** pause inside the frame for the 'long-pause' fault; default 400 ms */
  longPauseMs?: number;
  /** extra delay of the 'late' fault; default 3500 ms (past a 2.5 s timeout and the 1 s pause) */
  lateMs?: number;
}

export interface KacoRequestRecord {
  address: number;
  command: string;
  stream: string;
  /** performance.now() when the request's CR arrived */
  arrivedAt: number;
  /** turnaround drawn for this reply, ms */
  turnaroundMs: number;
  /** request + reply bytes on the modelled wire, ms */
  wireMs: number;
  fault: KacoFault | null;
  /** null when no reply went out (unknown address, night, no-answer, closed) */
  repliedAt: number | null;
  /** when the last byte of the reply is due (performance.now()); null when none is */
  doneBy: number | null;
  /** what the reply said (for tests: values equal the simulator's state) */
  snapshot: SimSnapshot | null;
  /** arrived while an earlier reply on the same stream was still pending (two requests on the line) */
  overlap: boolean;
}

/** `#AAc` CR; an LF after the CR (kacors485 sent CR LF) is noise before the next `#` */
const REQUEST = /#(\d\d)([0-9a-z])\r/;

export class KacoSim {
  readonly requests: KacoRequestRecord[] = [];
  readonly wire: WireModel;
  private readonly inverters = new Map<number, SimInverter>();
  private readonly faults = new KacoFaultPlan();
  private readonly abort = new AbortController();
  private readonly random: () => number;
  private readonly pendingReplies = new Set<Promise<void>>();
  /** per stream: a 'held' reply, sent when the next request arrives */
  private readonly held = new Map<string, () => void>();
  private endpoint: DeviceEndpoint | undefined;

  private constructor(private readonly options: KacoSimOptions) {
    for (const spec of options.inverters) {
      if (this.inverters.has(spec.address)) throw new RangeError(`two simulated inverters at address ${spec.address}`);
      this.inverters.set(spec.address, new SimInverter(spec));
    }
    const latency = options.latencyMs ?? [50, 300];
    const [lo, hi] = typeof latency === 'number' ? [latency, latency] : latency;
    if (!(lo >= 0 && hi >= lo)) throw new RangeError(`latencyMs must be >= 0 (and min <= max), got ${JSON.stringify(latency)}`);
    this.wire = new WireModel({ baudRate: options.baudRate ?? 9600, turnaroundMs: 0 });
    this.random = seededRandom(options.seed ?? 1);
  }

  static async start(options: KacoSimOptions): Promise<KacoSim> {
    const sim = new KacoSim(options);
    sim.endpoint = await startDeviceEndpoint(options.endpoint, (stream) => sim.accept(stream));
    return sim;
  }

  /** pty: the path the client opens */
  get clientPath(): string | undefined {
    return this.endpoint?.clientPath;
  }

  /** tcp: the port the client connects to */
  get port(): number | undefined {
    return this.endpoint?.port;
  }

  get device(): DeviceEndpoint | undefined {
    return this.endpoint;
  }

  inverter(address: number): SimInverter {
    const inv = this.inverters.get(address);
    if (!inv) throw new RangeError(`no simulated inverter at address ${address}`);
    return inv;
  }

  /** What the inverter would answer now. */
  snapshot(address: number): SimSnapshot {
    return this.inverter(address).snapshot(this.hours());
  }

  injectFault(fault: KacoFault, scope?: KacoFaultScope): void {
    this.faults.inject(fault, scope);
  }

  clearFaults(address?: number): void {
    this.faults.clear(address);
  }

  /** replies that went out to this address (and command) */
  replies(address: number, command?: string): KacoRequestRecord[] {
    return this.requests.filter((r) => r.address === address && (command === undefined || r.command === command) && r.repliedAt !== null);
  }

  /** requests that arrived while an earlier reply was still pending */
  get overlaps(): number {
    return this.requests.filter((r) => r.overlap).length;
  }

  /** resolves once every reply due so far has been written (a barrier for tests, instead of a sleep) */
  async settled(): Promise<void> {
    while (this.pendingReplies.size > 0) await Promise.all([...this.pendingReplies]);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.pendingReplies]);
    await this.endpoint?.close();
  }

  private hours(): number {
    return this.options.timeOfDay ? this.options.timeOfDay() : hoursOfDay(new Date());
  }

  private drawLatency(): number {
    const latency = this.options.latencyMs ?? [50, 300];
    if (typeof latency === 'number') return latency;
    return latency[0] + this.random() * (latency[1] - latency[0]);
  }

  private accept(stream: DeviceStream): StreamHandler {
    let text = '';
    let busyUntil = 0;
    return {
      data: (chunk, arrivedAt) => {
        text += chunk.toString('latin1');
        for (let m = REQUEST.exec(text); m; m = REQUEST.exec(text)) {
          text = text.slice((m.index ?? 0) + m[0].length);
          const address = Number(m[1]);
          const record = this.request(stream, address, m[2], arrivedAt, m[0].length, busyUntil);
          if (record.doneBy !== null) busyUntil = Math.max(busyUntil, record.doneBy);
        }
        // a request is at most 6 bytes; anything older without a request in it is noise
        if (text.length > 64) text = text.slice(-8);
      },
      closed: () => undefined,
    };
  }

  private request(stream: DeviceStream, address: number, command: string, arrivedAt: number, requestBytes: number, busyUntil: number): KacoRequestRecord {
    const record: KacoRequestRecord = {
      address,
      command,
      stream: stream.id,
      arrivedAt,
      turnaroundMs: 0,
      wireMs: 0,
      fault: null,
      repliedAt: null,
      doneBy: null,
      snapshot: null,
      overlap: arrivedAt < busyUntil,
    };
    this.requests.push(record);
    const release = this.held.get(stream.id);
    this.held.delete(stream.id);
    release?.();
    const inverter = this.inverters.get(address);
    if (!inverter) return record;
    const snap = inverter.snapshot(this.hours());
    if (!snap.awake && this.options.nightSilence !== false) return record;
    const frame = this.replyFrame(inverter, command, snap);
    if (!frame) return record;
    record.fault = this.faults.take(address, command);
    const pieces = applyFault(record.fault, frame, { longPauseMs: this.options.longPauseMs ?? 400, lateMs: this.options.lateMs ?? 3500 }, this.random);
    if (!pieces) return record;
    record.snapshot = snap;
    if (record.fault === 'held') {
      this.held.set(stream.id, () => {
        if (this.abort.signal.aborted || !stream.open) return;
        for (const piece of pieces) stream.write(piece.bytes);
        record.repliedAt = performance.now();
      });
      return record;
    }
    record.turnaroundMs = this.drawLatency();
    record.wireMs = this.wire.replyDelayMs(requestBytes, frame.bytes.length);
    record.doneBy = arrivedAt + record.turnaroundMs + record.wireMs + pieces.reduce((sum, p) => sum + p.afterMs, 0);
    const send = async (): Promise<void> => {
      // the first piece leaves once turnaround and wire time have passed since the request arrived
      let due = arrivedAt + record.turnaroundMs + record.wireMs;
      for (const piece of pieces) {
        due += piece.afterMs;
        await preciseDelay(due - performance.now(), this.abort.signal);
        if (this.abort.signal.aborted || !stream.open) return;
        stream.write(piece.bytes);
        record.repliedAt ??= performance.now();
      }
    };
    const pending = send();
    this.pendingReplies.add(pending);
    void pending.finally(() => this.pendingReplies.delete(pending));
    return record;
  }

  private replyFrame(inverter: SimInverter, command: string, snap: SimSnapshot): ReplyFrame | undefined {
    const generic = inverter.protocol === 'generic';
    if (inverter.silentCommands.has(command)) return undefined;
    switch (command) {
      case '0':
        return generic ? genericReply(inverter.address, snap.measurements, inverter.type) : standardReply(inverter.address, '0', snap.measurements, inverter.type);
      case '3':
        return yieldReply(inverter.address, snap.yield, generic);
      case '9':
        return typeReply(inverter.address, inverter.type);
      default:
        return undefined; // commands this simulator does not model stay unanswered, like xi units on s
    }
  }
}

