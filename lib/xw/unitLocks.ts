/**
 * Two commands for the same units never interleave their writes: a command holds its units from
 * its first read to its last, and a second command for any of them waits, first come first
 * served, within its own deadline. Commands for disjoint units run side by side.
 */
import type { Bus } from '../bus/bus';
import type { ContextSlot } from '../bus/busContext';
import { systemScheduler, type Scheduler, type TimerHandle } from '../time/scheduler';

export type Release = () => void;

interface Waiter {
  units: readonly number[];
  grant(release: Release): void;
  fail(err: Error): void;
  timer: TimerHandle;
}

export class LockWaitError extends Error {
  override readonly name = 'LockWaitError';
}

export class UnitLocks {
  private readonly held = new Set<number>();
  private waiters: Waiter[] = [];

  constructor(private readonly scheduler: Scheduler = systemScheduler) {}

  /** Resolves with the release function once every unit is free, or rejects after `timeoutMs`. */
  acquire(units: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.scheduler.clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new LockWaitError('cancelled while waiting for another command on the same units'));
        this.grantReady();
      };
      const waiter: Waiter = {
        units: [...new Set(units)],
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: reject,
        timer: this.scheduler.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new LockWaitError(`another command on unit(s) ${waiter.units.join(', ')} did not finish within ${Math.round(timeoutMs)} ms`));
          this.grantReady();
        }, Math.max(0, timeoutMs)),
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.grantReady();
    });
  }

  /** units held by running commands (for tests and status) */
  get busyUnits(): number[] {
    return [...this.held];
  }

  private grantReady(): void {
    // earlier waiters keep their units reserved, so a later command cannot overtake them
    const reserved = new Set<number>();
    for (const w of [...this.waiters]) {
      if (w.units.every((u) => !this.held.has(u) && !reserved.has(u))) {
        this.waiters = this.waiters.filter((x) => x !== w);
        this.scheduler.clearTimeout(w.timer);
        w.units.forEach((u) => this.held.add(u));
        let released = false;
        w.grant(() => {
          if (released) return;
          released = true;
          w.units.forEach((u) => this.held.delete(u));
          this.grantReady();
        });
      } else {
        w.units.forEach((u) => reserved.add(u));
      }
    }
  }
}

const UNIT_LOCKS_SLOT: ContextSlot<UnitLocks> = { name: 'unit locks', create: (bus) => new UnitLocks(bus.scheduler) };
/** The unit locks of one bus, shared by every command node on it. */
export function unitLocksFor(bus: Bus): UnitLocks {
  return bus.context.get(UNIT_LOCKS_SLOT);
}
