import { LinkBase, type LinkConfig } from '../../lib/bus/link';
import { TransportError } from '../../lib/bus/errors';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../lib/time/scheduler';

/**
 * An in-memory link for arbiter tests: `respond` decides what the "device" answers to each
 * write and after how long; it records when each write happened so tests can prove ordering
 * and that nothing overlapped. Its replies come on `scheduler`'s time (virtual in tests that use one).
 */
export class FakeLink extends LinkBase {
  readonly config: LinkConfig = { kind: 'tcp', host: 'fake', port: 1 };
  readonly description = 'fake';
  open_ = false;
  failOpens = 0;
  readonly writes: { at: number; data: Buffer }[] = [];
  private timers = new Set<TimerHandle>();

  constructor(
    private readonly respond: (data: Buffer) => { reply?: Buffer; afterMs: number } = () => ({ afterMs: 1 }),
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    if (this.failOpens > 0) {
      this.failOpens -= 1;
      throw new TransportError('open', 'fake open failure');
    }
    this.open_ = true;
  }

  async close(): Promise<void> {
    this.open_ = false;
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    this.timers.clear();
  }

  async write(data: Buffer): Promise<void> {
    if (!this.open_) throw new TransportError('closed', 'fake closed');
    this.writes.push({ at: this.scheduler.now(), data });
    const { reply, afterMs } = this.respond(data);
    if (reply) {
      const t = this.scheduler.setTimeout(() => {
        this.timers.delete(t);
        if (this.open_) this.emit('data', reply);
      }, afterMs);
      this.timers.add(t);
    }
  }

  async discardInput(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** the link drops (unplug) */
  drop(): void {
    this.open_ = false;
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    this.timers.clear();
    this.emit('close', new Error('unplugged'));
  }
}

/** A request that writes `tag` and resolves with the first reply (or times out). */
export function echoRun(tag: string) {
  return async (ctx: import('../../lib/bus/request').TransactionContext): Promise<string> => {
    return new Promise<string>((resolve, reject) => {
      const timer = ctx.scheduler.setTimeout(() => {
        off();
        reject(new TransportError('timeout', `${tag} timed out`));
      }, ctx.timeoutMs);
      const off = ctx.onData((chunk) => {
        ctx.scheduler.clearTimeout(timer);
        off();
        resolve(chunk.toString());
      });
      ctx.write(Buffer.from(tag)).catch((err: Error) => {
        ctx.scheduler.clearTimeout(timer);
        off();
        reject(err);
      });
    });
  };
}
