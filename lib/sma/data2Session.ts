/**
 * The SMAData2+ exchange sequence Bluetooth and Speedwire share (SBFspot SBFspot.cpp; shared/
 * reference/sma.md §2.3–§2.7): identify the device (command 0x00000200), log on with the user
 * group and password, then the spot-value queries of lriTable.ts, each one bus transaction so
 * other work on the bus can go between them. The carrier (Bluetooth L1/L2 on an RFCOMM tty, or
 * Speedwire datagrams) says how a packet becomes bytes and back, and makes the link ready first.
 *
 * A refused logon rejects with LogonError and no logon is tried again for
 * DATA2_SESSION_TIMING.logonBackoffMs: reads in between fail at once with the same error, without
 * touching the wire (SMA devices may lock a group out after repeated wrong passwords).
 */
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { ProtocolError, TransportError, type TransportErrorKind } from '../bus/errors';
import { Priority } from '../bus/priority';
import type { BusRequest } from '../bus/request';
import { runData2Exchange, sendOnly, singleFrame, type Data2Decoder, type Data2Expectation } from './data2Exchange';
import { fieldsFromRecords, type RecordFields } from './data2Fields';
import { ANY_SERIAL, ANY_SUSY_ID, DATA2_ERRORS, type Data2Address, type Data2Packet } from './data2Packet';
import { decodeRecords, type Data2Record } from './data2Records';
import { DATA2_OWN_SUSY_ID, DATA2_SESSION_TIMING, randomSessionSerial } from './data2Timing';
import { encodePassword, logoffPacket, logonPacket, queryPacket, type UserGroup } from './logon';
import { DATA2_QUERIES, type Data2QueryName } from './lriTable';
import { LogonError, type SmaReading, type SmaReadOptions } from './smaSource';

/** What the session needs of a bus (lib/bus/bus.ts Bus has it). */
export interface Data2Bus {
  submit<T>(request: BusRequest<T>): Promise<T>;
}

/** How SMAData2+ packets travel: Bluetooth or Speedwire. */
export interface Data2Carrier {
  encode(packet: Data2Packet): Buffer;
  /** a fresh decoder for one transaction's bytes */
  decoder(): Data2Decoder;
  /**
   * Makes the link ready for the session (Bluetooth: the connect handshake when the link is new).
   * Resolves true when this is a new connection: the device has forgotten any logon.
   */
  prepare(options: SmaReadOptions): Promise<boolean>;
  /**
   * An exchange failed on the transport ('timeout', 'closed', 'crc', 'truncated', …): the carrier
   * decides whether the link must start over (Bluetooth: after a lost link or repeated silence).
   */
  failed(kind: TransportErrorKind): void;
  /** a whole read succeeded */
  answered(): void;
}

/** Identify (SBFspot: L2 broadcast, command 0x00000200, first 0, last 0); the reply's source is the device. */
export const CMD_IDENTIFY = 0x00000200;

/** The spot-value queries of one read, in the order they go out. */
export const READ_QUERIES: readonly Data2QueryName[] = [
  'typeLabel',
  'deviceStatus',
  'gridRelay',
  'acPowerTotal',
  'acPowerPhases',
  'acVoltageCurrent',
  'gridFrequency',
  'dcPower',
  'dcVoltageCurrent',
  'energy',
  'operatingTime',
];

const ERROR_OK = 0x0000;
const ERROR_LRI_NOT_AVAILABLE = 0x0015;
const ERROR_NOT_LOGGED_IN = 0x0017;
const ERROR_WRONG_PASSWORD = 0x0100;
const MAX_PACKET_ID = 0x7fff;
/** a logoff goes out only if the bus takes it soon: closing must not wait on a busy bus */
const LOGOFF_DEADLINE_MS = 2000;

export interface Data2SessionOptions {
  /** who asks (node id), for the arbiter */
  owner: string;
  /** the device's unit key on its bus, e.g. "sma:bluetooth" */
  unit: string;
  password: string;
  /** default 'user' */
  group?: UserGroup;
  /** reply timeout per exchange, ms */
  timeoutMs: number;
  /** quiet time after each exchange, ms */
  pauseAfterMs: number;
  /** set when the owner stops: queued requests end as cancelled */
  signal?: AbortSignal;
  /** time (lib/time): monotonic for the logon back-off and renewal, wall for the logon's time and the reading's */
  scheduler?: Pick<Scheduler, 'now' | 'wallNow'>;
  /** our session serial; default random as SBFspot's */
  sessionSerial?: number;
}

export class Data2Session {
  readonly own: Data2Address;
  readonly group: UserGroup;
  private readonly clock: Pick<Scheduler, 'now' | 'wallNow'>;
  private nextId = 1;
  private device: Data2Address | undefined;
  /** clock.now() of the last accepted logon; undefined when not logged on */
  private loggedOnAt: number | undefined;
  private refused: { error: LogonError; until: number } | undefined;
  /** reads run one after another */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bus: Data2Bus,
    private readonly carrier: Data2Carrier,
    private readonly options: Data2SessionOptions,
  ) {
    this.group = options.group ?? 'user';
    this.clock = options.scheduler ?? systemScheduler;
    this.own = { susyId: DATA2_OWN_SUSY_ID, serial: options.sessionSerial ?? randomSessionSerial() };
    // a password SMA cannot take (too long, not printable ASCII) fails here, at deploy, not at every read
    encodePassword(options.password, this.group);
  }

  get loggedOn(): boolean {
    return this.loggedOnAt !== undefined;
  }

  /** The device's address once identified. */
  get deviceAddress(): Data2Address | undefined {
    return this.device;
  }

  read(options: SmaReadOptions = {}): Promise<SmaReading> {
    const run = this.chain.then(() => this.readNow(options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Logs off if logged on (no reply is awaited, SBFspot); errors are dropped: the session times out by itself. */
  async logoff(): Promise<void> {
    if (this.loggedOnAt === undefined) return;
    this.loggedOnAt = undefined;
    const packet = logoffPacket(this.own, this.packetId());
    await this.bus
      .submit<void>({ ...this.requestBase({}), deadlineMs: LOGOFF_DEADLINE_MS, run: (ctx) => sendOnly(ctx, this.carrier.encode(packet), 'logoff') })
      .catch(() => undefined);
  }

  private async readNow(options: SmaReadOptions): Promise<SmaReading> {
    const refused = this.refused;
    if (refused && this.clock.now() < refused.until) throw refused.error;
    try {
      if (await this.carrier.prepare(options)) this.loggedOnAt = undefined;
      const device = this.device ?? (this.device = await this.identify(options));
      const out: RecordFields = { fields: {} };
      for (const name of READ_QUERIES) fieldsFromRecords(await this.query(name, options), out);
      this.carrier.answered();
      return { serial: device.serial, ...(out.name !== undefined ? { type: out.name } : {}), fields: out.fields, time: this.clock.wallNow() };
    } catch (err) {
      // no answer or a lost link: the device may have gone to sleep or dropped the connection,
      // and has then forgotten the logon (a garbled frame says nothing of the kind)
      if (err instanceof TransportError) {
        if (err.kind === 'timeout' || err.kind === 'closed') this.loggedOnAt = undefined;
        this.carrier.failed(err.kind);
      }
      throw err;
    }
  }

  private async identify(options: SmaReadOptions): Promise<Data2Address> {
    const any = { susyId: ANY_SUSY_ID, serial: ANY_SERIAL };
    const reply = singleFrame(await this.exchange(queryPacket(this.own, any, this.packetId(), CMD_IDENTIFY, 0, 0), 'identify', options), 'identify');
    if (reply.error !== ERROR_OK) throw new ProtocolError(`${this.options.unit} identify: device answered ${errorText(reply.error)}`);
    return reply.source;
  }

  private async ensureLogon(options: SmaReadOptions): Promise<void> {
    if (this.loggedOnAt !== undefined && this.clock.now() - this.loggedOnAt < DATA2_SESSION_TIMING.logonRenewMs) return;
    this.loggedOnAt = undefined;
    const time = Math.floor(this.clock.wallNow() / 1000);
    const request = logonPacket(this.own, this.packetId(), this.group, this.options.password, time);
    const reply = singleFrame(await this.exchange(request, `logon (user group ${this.group})`, options), 'logon');
    if (reply.error !== ERROR_OK) {
      const error = new LogonError(this.group, reply.error === ERROR_WRONG_PASSWORD ? 'wrong password' : errorText(reply.error));
      this.refused = { error, until: this.clock.now() + DATA2_SESSION_TIMING.logonBackoffMs };
      throw error;
    }
    // SBFspot takes a logon reply only when it echoes the time it sent
    if (reply.payload.length < 12 || reply.payload.readUInt32LE(8) !== time >>> 0) throw new ProtocolError(`${this.options.unit} logon: the reply does not echo the logon's time`);
    this.refused = undefined;
    this.loggedOnAt = this.clock.now();
  }

  /** One query's records; a device that says it is not logged in gets one new logon and the query again. */
  private async query(name: Data2QueryName, options: SmaReadOptions, again = false): Promise<Data2Record[]> {
    await this.ensureLogon(options);
    const q = DATA2_QUERIES[name];
    const device = this.device ?? { susyId: ANY_SUSY_ID, serial: ANY_SERIAL };
    const frames = await this.exchange(queryPacket(this.own, device, this.packetId(), q.command, q.first, q.last), `query ${name}`, options);
    const error = frames.find((f) => f.error !== ERROR_OK)?.error;
    if (error === ERROR_LRI_NOT_AVAILABLE) return [];
    if (error === ERROR_NOT_LOGGED_IN && !again) {
      this.loggedOnAt = undefined;
      return this.query(name, options, true);
    }
    if (error !== undefined) throw new ProtocolError(`${this.options.unit} query ${name}: device answered ${errorText(error)}`);
    return recordsOf(frames, `${this.options.unit} query ${name}`);
  }

  private exchange(packet: Data2Packet, what: string, options: SmaReadOptions): Promise<Data2Packet[]> {
    const expect: Data2Expectation = { packetId: packet.packetId, command: (packet.command + 1) >>> 0, own: this.own, what };
    const bytes = this.carrier.encode(packet);
    return this.bus.submit<Data2Packet[]>({
      ...this.requestBase(options),
      run: (ctx) => runData2Exchange(ctx, bytes, this.carrier.decoder(), expect, this.options.unit),
    });
  }

  private requestBase(options: SmaReadOptions): Omit<BusRequest<unknown>, 'run'> {
    const signals = [this.options.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    return {
      owner: this.options.owner,
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      unit: this.options.unit,
      priority: Priority.Poll,
      probe: options.probe,
      timeoutMs: this.options.timeoutMs,
      pauseAfterMs: this.options.pauseAfterMs,
    };
  }

  private packetId(): number {
    const id = this.nextId;
    this.nextId = id >= MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }
}

function recordsOf(frames: Data2Packet[], what: string): Data2Record[] {
  const records: Data2Record[] = [];
  for (const frame of frames) {
    const decoded = decodeRecords(frame);
    if (!decoded.ok) throw new ProtocolError(`${what}: ${decoded.reason}`, frame.payload);
    records.push(...decoded.value);
  }
  return records;
}

function errorText(code: number): string {
  return DATA2_ERRORS[code] ?? `error 0x${code.toString(16).padStart(4, '0')}`;
}
