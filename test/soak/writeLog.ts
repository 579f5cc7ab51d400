/**
 * When the bus handed each request to the OS, on this process's clock — the simulator's records
 * are moved onto the same clock (lib/sim/remoteSlave.ts shifts them by the two processes'
 * performance.timeOrigin). With both, the soak sees how long the rig (socat, the loopback, the
 * simulator's process) held a request before the simulator read it: a relay that late is a rig
 * failure, which the simulator alone cannot see (it only knows when the bytes reached it).
 */
import { EventEmitter } from 'node:events';
import type { Link } from '../../lib/bus/link';
import type { RequestRecord } from '../../lib/sim/modbusSlave';

export interface WrittenRequest {
  unit: number;
  functionCode: number;
  address: number | null;
  /** performance.now() when the write began */
  startedAt: number;
  /** performance.now() when the write resolved (the bytes are with the OS); NaN until then */
  at: number;
}

/** A link that notes every RTU request written through it; everything else passes through. */
export class WriteLoggingLink extends EventEmitter implements Link {
  readonly writes: WrittenRequest[] = [];

  constructor(private readonly inner: Link) {
    super();
    inner.on('data', (chunk: Buffer) => this.emit('data', chunk));
    inner.on('close', (err?: Error) => this.emit('close', err));
  }

  get config(): Link['config'] {
    return this.inner.config;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  get description(): string {
    return this.inner.description;
  }
  get socket(): Link['socket'] {
    return this.inner.socket;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  discardInput(): Promise<void> {
    return this.inner.discardInput();
  }
  async write(data: Buffer): Promise<void> {
    // noted before the write: a raised relay and simulator (lib/sim/rigPriority.ts) may read the
    // bytes before this process hears that the write resolved
    const entry: WrittenRequest | undefined = data.length >= 4 ? { unit: data[0], functionCode: data[1], address: data.readUInt16BE(2), startedAt: performance.now(), at: Number.NaN } : undefined;
    if (entry) this.writes.push(entry);
    await this.inner.write(data);
    if (entry) entry.at = performance.now();
  }
}

export interface RelayTiming {
  /** when the record's request was with the OS (or, read before that, when its write began), or undefined when no write matches */
  writtenAt: number | undefined;
}

/**
 * Pairs the simulator's records with the writes, in order: each record takes the first write not
 * yet taken with the same unit, function and address that was made before it arrived (a record
 * the simulator could not parse an address from takes the next write of its unit and function).
 * Writes that never reached the simulator whole (cut by the line) are skipped over.
 */
export class RelayMatcher {
  private next = 0;

  constructor(private readonly writes: WrittenRequest[]) {}

  /** drops the writes already paired (the soak's heap must stay flat over 100,000 requests) */
  forgetMatched(): void {
    this.writes.splice(0, this.next);
    this.next = 0;
  }

  match(r: RequestRecord): RelayTiming {
    // the two clocks agree to a fraction of a millisecond; 1 ms of slack keeps a pair from being missed
    for (let i = this.next; i < this.writes.length; i++) {
      const w = this.writes[i];
      if (w.startedAt > r.arrivedAt + 1) break;
      if (w.unit === r.unit && w.functionCode === r.functionCode && (r.address === null || w.address === r.address)) {
        this.next = i + 1;
        // the relay's delay counts from when the OS had the bytes; a request read sooner had none
        return { writtenAt: Number.isNaN(w.at) || w.at > r.arrivedAt ? Math.min(w.startedAt, r.arrivedAt) : w.at };
      }
    }
    return { writtenAt: undefined };
  }
}
