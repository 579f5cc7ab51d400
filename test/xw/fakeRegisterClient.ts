/**
 * A RegisterClient straight onto an XwDevice model, one transaction at a time in priority order
 * like the arbiter, recording each transaction — for unit tests of the writer and the poller
 * without a wire. Each transaction takes `transactionMs`.
 */
import { ModbusException, TransportError } from '../../lib/bus/errors';
import type { ModbusCallOptions, RegisterClient } from '../../lib/xw/registerClient';
import type { XwDevice } from '../../lib/sim/xwDevice';

export interface FakeTransaction {
  unit: number;
  fc: 3 | 6 | 16;
  address: number;
  count: number;
  priority: number;
  owner: string;
  values?: number[];
}

interface Queued {
  t: FakeTransaction;
  run(): void;
}

export class FakeRegisterClient implements RegisterClient {
  readonly log: FakeTransaction[] = [];
  private queue: Queued[] = [];
  private busy = false;
  /** units that time out instead of answering */
  readonly silent = new Set<number>();
  /** fail the next N writes to a unit with a timeout */
  readonly failWrites = new Map<number, number>();
  /** writes to a unit fail with this error before any transaction, as the arbiter fails what it never sends */
  readonly unsentWrites = new Map<number, Error>();

  constructor(
    private readonly device: XwDevice,
    private readonly transactionMs = 2,
  ) {}

  readHoldingRegisters(unit: number, address: number, count: number, opts: ModbusCallOptions): Promise<number[]> {
    return this.enqueue({ unit, fc: 3, address, count, priority: opts.priority, owner: opts.owner }, () => {
      const r = this.device.readHolding(unit, address, count);
      if (!Array.isArray(r)) throw new ModbusException(r.exception, unit, 3);
      return r;
    });
  }

  writeRegister(unit: number, address: number, value: number, opts: ModbusCallOptions): Promise<void> {
    return this.writeRegisters(unit, address, [value], opts, 6);
  }

  writeRegisters(unit: number, address: number, values: number[], opts: ModbusCallOptions, fc: 6 | 16 = 16): Promise<void> {
    const unsent = this.unsentWrites.get(unit);
    if (unsent) return Promise.reject(unsent);
    const attempt = (left: number): Promise<void> =>
      this.enqueue({ unit, fc, address, count: values.length, priority: opts.priority, owner: opts.owner, values }, () => {
        const n = this.failWrites.get(unit) ?? 0;
        if (n > 0) {
          this.failWrites.set(unit, n - 1);
          throw new TransportError('timeout', `unit ${unit} did not answer`);
        }
        const r = this.device.write(unit, address, values);
        if (r) throw new ModbusException(r.exception, unit, fc);
      }).catch((err: unknown) => {
        if (err instanceof TransportError && left > 0) return attempt(left - 1);
        throw err;
      });
    return attempt(opts.retries ?? 0);
  }

  private enqueue<T>(t: FakeTransaction, work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        this.log.push(t);
        setTimeout(() => {
          try {
            if (this.silent.has(t.unit) || !this.device.hasUnit(t.unit)) throw new TransportError('timeout', `unit ${t.unit} did not answer`);
            resolve(work());
          } catch (err) {
            reject(err);
          }
          this.busy = false;
          this.pump();
        }, this.transactionMs);
      };
      // same priority: FIFO; a more urgent request goes before less urgent queued ones
      const at = this.queue.findIndex((q) => q.t.priority > t.priority);
      if (at < 0) this.queue.push({ t, run });
      else this.queue.splice(at, 0, { t, run });
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy) return;
    // like the arbiter: the next request is picked after the inter-frame silence
    setImmediate(() => {
      if (this.busy) return;
      const next = this.queue.shift();
      if (!next) return;
      this.busy = true;
      next.run();
    });
  }
}
