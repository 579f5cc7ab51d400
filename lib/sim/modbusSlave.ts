/**
 * A Modbus slave simulator: serves a device model on a socat pty pair (RTU) or a loopback TCP
 * port (RTU over TCP like a serial device server, or Modbus TCP like a gateway with several
 * units behind it), answering only after the modelled wire time, with injectable faults, and
 * recording every request so a test can prove the client never had two on the line at once.
 */
import type { CharFormat } from '../bus/wireTiming';
import { preciseDelay } from '../time/preciseDelay';
import { startDeviceEndpoint, type DeviceEndpoint, type DeviceStream, type StreamHandler } from './deviceEndpoint';
import { FaultPlan, type FaultScope, type ModbusFault } from './faultPlan';
import { mbapFrame, MbapRequestReader } from './mbapRequestReader';
import { EXCEPTION, exceptionReplyPdu, parseRequestPdu, readReplyPdu, writeReplyPdu, type ParsedRequest } from './modbusRequest';
import { rtuFrame, RtuRequestReader } from './rtuRequestReader';
import { WireModel } from './wireModel';

export type { ModbusFault, FaultScope } from './faultPlan';

/** What a simulated device knows: its units and their holding registers. */
export interface ModbusDeviceModel {
  hasUnit(unit: number): boolean;
  readHolding(unit: number, address: number, count: number): number[] | { exception: number };
  write(unit: number, address: number, values: number[]): { exception: number } | void;
}

export type SlaveTransport =
  | { transport: 'pty' }
  | { transport: 'tcp'; framing: 'rtu' | 'modbus-tcp'; host?: string; port?: number };

export interface SlaveTiming {
  baudRate: number;
  /** 8N1 when omitted */
  format?: CharFormat;
  turnaroundMs: number;
  /** how late a 'slow' fault answers (from the request's arrival); default 1500 ms */
  slowMs?: number;
  /** random source for fault probabilities (inject a seeded one for repeatable tests) */
  random?: () => number;
}

export interface RequestRecord {
  unit: number;
  functionCode: number;
  /** null when the PDU was too short to carry one */
  address: number | null;
  count: number | null;
  /** performance.now() when the request's last byte arrived */
  arrivedAt: number;
  /** performance.now() when its first byte arrived */
  firstByteAt: number;
  /** when the reply should be written by the wire model; null when no reply was due */
  dueAt: number | null;
  /** when the reply was written; null when none was (unknown unit, 'no-answer', closed) */
  repliedAt: number | null;
  fault: ModbusFault | null;
  /** arrived while an earlier reply was still pending */
  overlap: boolean;
  /** first byte came less than t3.5 after the previous reply (rtu framing only) */
  early: boolean;
  /** which stream it came on: 'pty' or 'tcp:<client port>' */
  stream: string;
  /** Modbus TCP only */
  transactionId?: number;
}

export interface ModbusSlaveSim {
  /** pty transport: the path the client opens */
  readonly clientPath?: string;
  /** tcp transport: the port the client connects to on 127.0.0.1 (or the host given) */
  readonly port?: number;
  readonly wire: WireModel;
  /** every request received, in arrival order, to any unit */
  readonly requests: RequestRecord[];
  /** requests that arrived while an earlier reply was still pending (two in flight) */
  readonly overlaps: number;
  /** requests whose first byte came less than t3.5 after the previous reply (rtu framing) */
  readonly earlyRequests: number;
  injectFault(fault: ModbusFault, scope?: FaultScope): void;
  clearFaults(): void;
  /** write requests (fn 6 and 16) the model accepted for this unit */
  writeCount(unit: number): number;
  /** clears requests, counters and write counts */
  resetStats(): void;
  /** pty: kills socat so the port vanishes; tcp: stops listening and resets connections */
  unplug(): Promise<void>;
  /** the port comes back at the same path / port */
  replug(): Promise<void>;
  /** tcp: resets every connection (a TCP reset from the device server); pty: no-op */
  dropConnections(): void;
  close(): Promise<void>;
}

const DEFAULT_SLOW_MS = 1500;

export async function startModbusSlave(model: ModbusDeviceModel, transport: SlaveTransport, timing: SlaveTiming): Promise<ModbusSlaveSim> {
  const slave = new ModbusSlave(model, transport, timing);
  await slave.start();
  return slave;
}

interface Incoming {
  unit: number;
  pdu: Buffer;
  /** length of the request as an RTU frame */
  bytes: number;
  firstByteAt: number;
  lastByteAt: number;
  transactionId?: number;
}

class ModbusSlave implements ModbusSlaveSim {
  readonly wire: WireModel;
  readonly requests: RequestRecord[] = [];
  overlaps = 0;
  earlyRequests = 0;
  private readonly framing: 'rtu' | 'modbus-tcp';
  private readonly slowMs: number;
  private readonly faults: FaultPlan;
  private readonly writes = new Map<number, number>();
  private readonly abort = new AbortController();
  private endpoint: DeviceEndpoint | undefined;
  private pendingReplies = 0;
  private lastReplyAt = -Infinity;

  constructor(
    private readonly model: ModbusDeviceModel,
    private readonly transport: SlaveTransport,
    timing: SlaveTiming,
  ) {
    this.wire = new WireModel(timing);
    this.framing = transport.transport === 'tcp' ? transport.framing : 'rtu';
    this.slowMs = timing.slowMs ?? DEFAULT_SLOW_MS;
    this.faults = new FaultPlan(timing.random);
  }

  async start(): Promise<void> {
    const spec = this.transport.transport === 'pty' ? { transport: 'pty' as const } : { transport: 'tcp' as const, host: this.transport.host, port: this.transport.port };
    this.endpoint = await startDeviceEndpoint(spec, (stream) => this.accept(stream));
  }

  get clientPath(): string | undefined {
    return this.endpoint?.clientPath;
  }

  get port(): number | undefined {
    return this.endpoint?.port;
  }

  private accept(stream: DeviceStream): StreamHandler {
    if (this.framing === 'modbus-tcp') {
      const reader = new MbapRequestReader((f) => this.handle(stream, f));
      return { data: (chunk, at) => reader.push(chunk, at), closed: () => undefined };
    }
    const reader = new RtuRequestReader((f) => this.handle(stream, f));
    return { data: (chunk, at) => reader.push(chunk, at), closed: () => reader.reset() };
  }

  private handle(stream: DeviceStream, incoming: Incoming): void {
    const request = parseRequestPdu(incoming.pdu);
    const early = this.framing === 'rtu' && incoming.firstByteAt - this.lastReplyAt < this.wire.t35Ms;
    const overlap = this.pendingReplies > 0;
    const record: RequestRecord = {
      unit: incoming.unit,
      functionCode: request.functionCode,
      address: request.address,
      count: request.count,
      arrivedAt: incoming.lastByteAt,
      firstByteAt: incoming.firstByteAt,
      dueAt: null,
      repliedAt: null,
      fault: null,
      overlap,
      early,
      stream: stream.id,
      ...(incoming.transactionId === undefined ? {} : { transactionId: incoming.transactionId }),
    };
    this.requests.push(record);
    if (early) this.earlyRequests++;
    if (overlap) this.overlaps++;

    // An RTU slave that is not addressed stays silent; so does this gateway.
    if (!this.model.hasUnit(incoming.unit)) return;
    const fault = this.faults.take(incoming.unit);
    record.fault = fault;
    // 'no-answer': the device never heard it, so a write does not happen either.
    if (fault === 'no-answer') return;

    const replyPdu = fault === 'exception' ? exceptionReplyPdu(request.functionCode, EXCEPTION.deviceFailure) : this.serve(incoming.unit, request);
    let frame = this.framing === 'modbus-tcp' ? mbapFrame(incoming.transactionId ?? 0, incoming.unit, replyPdu) : rtuFrame(incoming.unit, replyPdu);
    let replyBytes = replyPdu.length + 3; // as RTU: unit + PDU + CRC
    if (fault === 'bad-crc') frame = this.corrupt(frame);
    if (fault === 'truncated') {
      const keep = Math.max(1, Math.floor(frame.length / 2));
      replyBytes -= frame.length - keep;
      frame = frame.subarray(0, keep);
    }
    const wireDelay = this.wire.replyDelayMs(incoming.bytes, replyBytes);
    const delay = fault === 'slow' ? Math.max(this.slowMs, wireDelay) : wireDelay;
    record.dueAt = incoming.lastByteAt + delay;
    void this.replyAt(stream, record, frame);
  }

  /** the model's answer as a reply PDU */
  private serve(unit: number, request: ParsedRequest): Buffer {
    if (request.kind === 'exception') return exceptionReplyPdu(request.functionCode, request.exception);
    try {
      if (request.kind === 'read') {
        const result = this.model.readHolding(unit, request.address, request.count);
        if (!Array.isArray(result)) return exceptionReplyPdu(request.functionCode, result.exception);
        if (result.length !== request.count) throw new Error(`model returned ${result.length} registers for ${request.count}`);
        return readReplyPdu(result);
      }
      const result = this.model.write(unit, request.address, request.values);
      if (result) return exceptionReplyPdu(request.functionCode, result.exception);
      this.writes.set(unit, (this.writes.get(unit) ?? 0) + 1);
      return writeReplyPdu(request);
    } catch {
      // a model that throws is a device that failed
      return exceptionReplyPdu(request.functionCode, EXCEPTION.deviceFailure);
    }
  }

  /** RTU: CRC off by one bit. Modbus TCP has no CRC: the reply carries another transaction id, which a client must not accept. */
  private corrupt(frame: Buffer): Buffer {
    const bad = Buffer.from(frame);
    if (this.framing === 'modbus-tcp') bad.writeUInt16BE((bad.readUInt16BE(0) + 0x8000) & 0xffff, 0);
    else bad[bad.length - 1] ^= 0x01;
    return bad;
  }

  private async replyAt(stream: DeviceStream, record: RequestRecord, frame: Buffer): Promise<void> {
    this.pendingReplies++;
    try {
      await preciseDelay((record.dueAt as number) - performance.now(), this.abort.signal);
    } finally {
      this.pendingReplies--;
    }
    if (this.abort.signal.aborted || !stream.open) return;
    // Timed before the write: the write wakes the client, which on a busy machine can run (and
    // send its next request) before this process gets the CPU back — timed after, the reply looked
    // later than it was and the next request "early" (seen with the simulator in its own process).
    record.repliedAt = performance.now();
    this.lastReplyAt = record.repliedAt;
    stream.write(frame);
  }

  injectFault(fault: ModbusFault, scope?: FaultScope): void {
    this.faults.inject(fault, scope);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  writeCount(unit: number): number {
    return this.writes.get(unit) ?? 0;
  }

  resetStats(): void {
    this.requests.length = 0;
    this.overlaps = 0;
    this.earlyRequests = 0;
    this.writes.clear();
  }

  unplug(): Promise<void> {
    return this.endpoint ? this.endpoint.unplug() : Promise.resolve();
  }

  replug(): Promise<void> {
    return this.endpoint ? this.endpoint.replug() : Promise.resolve();
  }

  dropConnections(): void {
    this.endpoint?.dropConnections();
  }

  async close(): Promise<void> {
    this.abort.abort();
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    await endpoint?.close();
  }
}
