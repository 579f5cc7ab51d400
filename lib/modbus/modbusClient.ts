import ModbusRTU from 'modbus-serial';
import TcpPort from 'modbus-serial/ports/tcpport';
import type { Socket } from 'node:net';
import type { Bus } from '../bus/bus';
import type { TransactionContext } from '../bus/request';
import type { ContextSlot } from '../bus/busContext';
import type { Priority } from '../bus/priority';
import { ConfigError, ModbusException, ProtocolError, TransportError } from '../bus/errors';
import { RtuFramePort } from './rtuFramePort';

export interface ModbusCallOptions {
  owner: string;
  priority: Priority;
  deadlineMs?: number;
  timeoutMs?: number;
  retries?: number;
  /** identical queued reads share one transaction */
  coalesce?: boolean;
  probe?: boolean;
  /** aborting it cancels the call while it is still queued (it is then never sent) */
  signal?: AbortSignal;
}

const MAX_READ = 125;
/**
 * The late-reply rule (Modbus RTU; Modbus TCP matches transaction ids). RTU replies carry no
 * transaction id: a late reply to a timed-out read is indistinguishable from the answer to the
 * next read of the same unit, function and length (found by the fault soak: wrong values, and the
 * next request sent while the device still answered). After an unanswered exchange:
 * - the whole line stays quiet until 1.5 response timeouts after the request's write (as
 *   libmodbus's error recovery sleeps a response timeout), so a reply up to that late arrives
 *   between transactions and never runs into the next request (after a CRC failure too: the
 *   frame that failed may be a stale one cut short by the start of the device's own reply);
 * - no request to the same unit with the same function (an exception reply has no length to
 *   tell it apart) and other arguments is sent until 3 timeouts after the write, so a reply up to
 *   that late is never taken for another request's answer. The other units go on after the guard.
 * The trade-off (docs/RELIABILITY.md): a longer line guard costs every unit each fault; the hold
 * costs only the unit that did not answer.
 */
const LATE_REPLY_GUARD = 1.5;
const LATE_REPLY_HOLD = 3;
const MAX_WRITE = 123;

/** The unit key the bus tracks reachability and last success under. */
export function modbusUnitKey(unit: number): string {
  return `modbus:${unit}`;
}

/**
 * Modbus on a bus: function 3, 6 and 16 as arbiter transactions. Framing and CRC are
 * modbus-serial's; this adds validation (bad input never reaches the wire), typed errors,
 * and the rule that only the transaction owning the wire talks to the client.
 */
export class ModbusClient {
  private rtu: { client: ModbusRTU; port: RtuFramePort } | undefined;
  private tcp: { client: ModbusRTU; port: TcpPort; socket: Socket } | undefined;

  constructor(readonly bus: Bus) {}

  async readHoldingRegisters(unit: number, address: number, count: number, opts: ModbusCallOptions): Promise<number[]> {
    checkUnit(unit);
    checkRange(address, count, MAX_READ);
    return this.submit(unit, 3, opts, `${address}/${count}`, (c) =>
      c.readHoldingRegisters(address, count).then((r) => r.data),
    );
  }

  async writeRegister(unit: number, address: number, value: number, opts: ModbusCallOptions): Promise<void> {
    checkUnit(unit);
    checkRange(address, 1, 1);
    checkValue(value);
    return this.submit(unit, 6, { ...opts, coalesce: false }, `${address}/${value}`, (c) => c.writeRegister(address, value).then(() => undefined));
  }

  async writeRegisters(unit: number, address: number, values: number[], opts: ModbusCallOptions): Promise<void> {
    checkUnit(unit);
    checkRange(address, values.length, MAX_WRITE);
    values.forEach(checkValue);
    return this.submit(unit, 16, { ...opts, coalesce: false }, `${address}/${values.join(',')}`, (c) => c.writeRegisters(address, values).then(() => undefined));
  }

  /** `args`: what the call asks beyond unit and function (address and count, or the values written) */
  private submit<T>(unit: number, fc: number, opts: ModbusCallOptions, args: string, call: (c: ModbusRTU) => Promise<T>): Promise<T> {
    const rtu = this.bus.settings.framing === 'rtu';
    const timeoutMs = opts.timeoutMs ?? this.bus.settings.timeoutMs;
    return this.bus.submit<T>({
      owner: opts.owner,
      unit: modbusUnitKey(unit),
      priority: opts.priority,
      deadlineMs: opts.deadlineMs,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      probe: opts.probe,
      signal: opts.signal,
      lateReplyGuardMs: rtu ? LATE_REPLY_GUARD * timeoutMs : undefined,
      replyKey: rtu ? `${modbusUnitKey(unit)}/${fc}` : undefined,
      replyIdentity: `${fc}/${args}`,
      lateReplyHoldMs: rtu ? LATE_REPLY_HOLD * timeoutMs : undefined,
      coalesceKey: opts.coalesce ? `${this.bus.key}/${unit}/${fc}/${args}` : undefined,
      run: (ctx) => this.exchange(ctx, unit, fc, call),
    });
  }

  private async exchange<T>(ctx: TransactionContext, unit: number, fc: number, call: (c: ModbusRTU) => Promise<T>): Promise<T> {
    if (this.bus.settings.framing === 'modbus-tcp') return this.exchangeTcp(ctx, unit, fc, call);
    const { client, port } = this.rtuClient();
    let received = 0;
    const unbind = port.bind(ctx, (n) => (received += n));
    client.setID(unit);
    client.setTimeout(ctx.timeoutMs);
    try {
      return await call(client);
    } catch (err) {
      throw typedError(err, unit, fc, received);
    } finally {
      unbind();
    }
  }

  private async exchangeTcp<T>(ctx: TransactionContext, unit: number, fc: number, call: (c: ModbusRTU) => Promise<T>): Promise<T> {
    const socket = ctx.link.socket;
    if (!socket) throw new TransportError('closed', 'the Modbus TCP connection is not open');
    if (this.tcp?.socket !== socket) {
      const port = new TcpPort({ socket });
      const client = new ModbusRTU(port as unknown as ConstructorParameters<typeof ModbusRTU>[0]);
      await new Promise<void>((resolve, reject) => client.open((err: Error | null) => (err ? reject(err) : resolve())));
      this.tcp = { client, port, socket };
    }
    const { client, port } = this.tcp;
    // TcpPort cuts frames by the MBAP length of whatever it holds: the rest of a truncated reply
    // would misalign every later one (found by the fault soak: all requests timed out after one
    // truncated frame). What came before this request is stale, as on RTU.
    port._clientRcvData = Buffer.alloc(0);
    client.setID(unit);
    client.setTimeout(ctx.timeoutMs);
    try {
      return await call(client);
    } catch (err) {
      throw typedError(err, unit, fc, 0);
    }
  }

  private rtuClient(): { client: ModbusRTU; port: RtuFramePort } {
    if (!this.rtu) {
      const port = new RtuFramePort();
      // modbus-serial's client type accepts any port object at runtime; its .d.ts names SerialPort.
      const client = new ModbusRTU(port as unknown as ConstructorParameters<typeof ModbusRTU>[0]);
      client.open(() => undefined);
      this.rtu = { client, port };
    }
    return this.rtu;
  }
}

const MODBUS_CLIENT: ContextSlot<ModbusClient> = { name: 'modbus client', create: (bus) => new ModbusClient(bus) };

/** The one Modbus client of a bus, in the bus's context. */
export function modbusClientFor(bus: Bus): ModbusClient {
  return bus.context.get(MODBUS_CLIENT);
}

/** modbus-serial's errors as the three kinds of lib/bus/errors.ts (exported for its test). */
export function typedError(err: unknown, unit: number, fc: number, receivedBytes: number): Error {
  if (err instanceof TransportError || err instanceof ModbusException) return err;
  const e = err as { modbusCode?: number; name?: string; message?: string; errno?: string };
  const message = e?.message ?? String(err);
  const key = modbusUnitKey(unit);
  if (typeof e?.modbusCode === 'number') return new ModbusException(e.modbusCode, unit, fc);
  if (e?.name === 'TransactionTimedOutError' || e?.errno === 'ETIMEDOUT') {
    return receivedBytes > 0
      ? new TransportError('truncated', `unit ${unit}: incomplete reply (${receivedBytes} bytes) before the timeout`, key)
      : new TransportError('timeout', `unit ${unit} did not answer`, key);
  }
  if (message.startsWith('CRC error')) return new TransportError('crc', `unit ${unit}: reply failed its CRC check`, key);
  if (message.startsWith('Data length error')) return new TransportError('truncated', `unit ${unit}: ${message}`, key);
  if (e?.name === 'PortNotOpenError') return new TransportError('closed', 'port not open', key);
  return new ProtocolError(`unit ${unit}: ${message}`);
}

function checkUnit(unit: number): void {
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) throw new ConfigError(`Modbus unit address must be an integer 1–247, got ${String(unit)}`);
}

function checkRange(address: number, count: number, max: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffff) throw new ConfigError(`register address must be an integer 0–65535, got ${String(address)}`);
  if (!Number.isInteger(count) || count < 1 || count > max) throw new ConfigError(`register count must be 1–${max}, got ${String(count)}`);
  if (address + count > 0x10000) throw new ConfigError(`registers ${address}+${count} run past 65535`);
}

function checkValue(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new ConfigError(`register value must be an integer 0–65535, got ${String(value)}`);
}
