/**
 * A noisy line between the code under test and a simulated device: wraps the client's link and
 * spoils the reply to a share of requests the way a real RS485 line does — bytes garbled in
 * transit, or a reply that arrives after the client's timeout and lands between or inside later
 * exchanges. The Modbus slave simulator commits the device's own faults (no answer, bad CRC,
 * truncated, slow, exception); these two happen on the wire, so they live on the link.
 *
 * Every write starts an exchange; the bytes that arrive until the next write are its reply.
 */
import { EventEmitter } from 'node:events';
import type { Link, LinkConfig } from '../bus/link';

export type LineFault = 'garbled' | 'late';

export interface LineNoiseOptions {
  /** share (0..1) of replies garbled */
  garbled: number;
  /** share (0..1) of replies held back */
  late: number;
  /** how long a late reply is held, from its request's write, ms (drawn per reply) */
  lateMs: () => number;
  /**
   * a late reply whose timer fires later than this after its write (a stalled machine) is
   * dropped and counted, so the fault stays the one described instead of landing anywhere
   */
  lateLimitMs?: number;
  random: () => number;
}

export interface LineNoiseCounts {
  exchanges: number;
  garbled: number;
  late: number;
  /** late replies delivered */
  lateDelivered: number;
  /** late replies dropped because their timer fired past lateLimitMs */
  lateDropped: number;
}

/** Garbled replies kept for the soak to look back on: a few exchanges' worth. */
const GARBLED_KEPT = 32;

export class NoisyLink extends EventEmitter implements Link {
  readonly counts: LineNoiseCounts = { exchanges: 0, garbled: 0, late: 0, lateDelivered: 0, lateDropped: 0 };
  private fault: LineFault | null = null;
  /** bytes of the current reply seen so far (garbling spares the unit and function bytes) */
  private offset = 0;
  private held: Buffer[] | undefined;
  /** the bytes of the last garbled replies as delivered, the current one last and still growing */
  private readonly garbledKept: Buffer[][] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly inner: Link,
    private readonly options: LineNoiseOptions,
  ) {
    super();
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('close', (err: Error) => {
      this.dropHeld();
      this.emit('close', err);
    });
  }

  get config(): LinkConfig {
    return this.inner.config;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get description(): string {
    return this.inner.description;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  async close(): Promise<void> {
    this.dropHeld();
    await this.inner.close();
  }

  discardInput(): Promise<void> {
    return this.inner.discardInput();
  }

  write(data: Buffer): Promise<void> {
    this.counts.exchanges++;
    const r = this.options.random();
    this.fault = r < this.options.garbled ? 'garbled' : r < this.options.garbled + this.options.late ? 'late' : null;
    this.offset = 0;
    this.held = undefined;
    if (this.fault) this.counts[this.fault]++;
    if (this.fault === 'garbled') {
      this.garbledKept.push([]);
      if (this.garbledKept.length > GARBLED_KEPT) this.garbledKept.shift();
    }
    if (this.fault === 'late') {
      const held: Buffer[] = [];
      this.held = held;
      const writtenAt = performance.now();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.held === held) this.held = undefined;
        if (held.length === 0) return;
        if (this.options.lateLimitMs !== undefined && performance.now() - writtenAt > this.options.lateLimitMs) {
          this.counts.lateDropped++;
          return;
        }
        this.counts.lateDelivered++;
        this.emit('data', Buffer.concat(held));
      }, this.options.lateMs());
      this.timers.add(timer);
    }
    return this.inner.write(data);
  }

  private onData(chunk: Buffer): void {
    if (this.held) {
      this.held.push(chunk);
      return;
    }
    if (this.fault === 'garbled') {
      chunk = this.garble(chunk);
      this.garbledKept[this.garbledKept.length - 1]?.push(chunk);
    }
    this.offset += chunk.length;
    this.emit('data', chunk);
  }

  /**
   * The last garbled replies exactly as this link delivered them, newest last. Noise can leave a
   * frame whose check still holds (a CRC-16 matches 1 in 65,536 random changes): a value that
   * came from one of these was made by the line, not taken from another request's reply.
   */
  garbledReplies(): Buffer[] {
    return this.garbledKept.map((chunks) => Buffer.concat(chunks));
  }

  /** noise over the reply after its unit and function bytes; at least one byte changes */
  private garble(chunk: Buffer): Buffer {
    const out = Buffer.from(chunk);
    const random = this.options.random;
    let changed = false;
    for (let i = Math.max(0, 2 - this.offset); i < out.length; i++) {
      if (random() < 0.3) {
        out[i] ^= 1 + Math.floor(random() * 255);
        changed = true;
      }
    }
    if (!changed && out.length > 2 - this.offset && out.length > 0) out[out.length - 1] ^= 0x5a;
    return out;
  }

  private dropHeld(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = undefined;
  }
}
