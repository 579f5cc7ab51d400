import type { LinkConfig } from './link';
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { linkReasonOf, linkReasonText, type LinkReason } from './linkReason';

/** Where a bus's link stands: never opened since the bus started, open, or lost after being open. */
export type LinkPhase = 'never-opened' | 'open' | 'lost';

/** Why the link is not open, in words a user can act on, and since when (wall-clock ms, the scheduler's wallNow()). */
export interface LinkCause {
  /** the English text of `reason`, for logs and errors */
  message: string;
  /** the code and parameters nodes render from their locale */
  reason: LinkReason;
  since: number;
}

export interface LinkStatus {
  phase: LinkPhase;
  /** the last failure to open, or the loss; undefined while open or before the first attempt */
  cause?: LinkCause;
}

/**
 * Records the link's phase and cause as the bus opens, fails and loses it. "since" is the first
 * failure of the current outage, so a retry every few seconds does not move it.
 */
export class LinkTracker {
  private phase: LinkPhase = 'never-opened';
  private cause: LinkCause | undefined;

  constructor(
    private readonly config: LinkConfig,
    private readonly clock: Pick<Scheduler, 'wallNow'> = systemScheduler,
  ) {}

  get status(): LinkStatus {
    return this.cause ? { phase: this.phase, cause: { ...this.cause } } : { phase: this.phase };
  }

  opened(): void {
    this.phase = 'open';
    this.cause = undefined;
  }

  openFailed(err: Error): LinkCause {
    return this.fail(err, this.phase === 'open' ? 'lost' : this.phase);
  }

  lost(err: Error): LinkCause {
    return this.fail(err, this.phase === 'never-opened' ? 'never-opened' : 'lost');
  }

  private fail(err: Error, phase: LinkPhase): LinkCause {
    this.phase = phase;
    const reason = linkReasonOf(err, this.config);
    this.cause = { message: linkReasonText(reason), reason, since: this.cause?.since ?? this.clock.wallNow() };
    return { ...this.cause };
  }
}

/**
 * A link error as the cause a user can act on, in English: "port /dev/ttyNOPE not found, retrying",
 * "cannot open /dev/ttyUSB0: permission denied (add the user to the dialout group)",
 * "connection refused 127.0.0.1:502" (the codes and their words are in linkReason.ts).
 */
export function linkCauseText(err: Error, config: LinkConfig): string {
  return linkReasonText(linkReasonOf(err, config));
}

/** Local wall-clock time of day, HH:MM:SS, as "bus down since 12:03:10" shows it. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * The text of a request that was not sent because the link was down: "not sent: bus down since
 * 12:03:10 — <cause>", with "link lost: " before the cause when the link had been open.
 */
export function notSentText(status: LinkStatus & { cause: LinkCause }): string {
  return `not sent: bus down since ${clockTime(status.cause.since)} — ${status.phase === 'lost' ? 'link lost: ' : ''}${status.cause.message}`;
}

interface SettlingBus {
  readonly scheduler: Scheduler;
  readonly state: string;
  readonly linkStatus: LinkStatus;
  on(event: 'state', listener: () => void): unknown;
  removeListener(event: 'state', listener: () => void): unknown;
}

/**
 * Waits until the bus has opened or failed to open once (at most `maxMs`): a scan on a missing
 * port or a refused server then says so at once, not after every address has timed out.
 */
export function linkSettled(bus: SettlingBus, maxMs: number): Promise<void> {
  const settled = (): boolean => bus.state !== 'opening' || bus.linkStatus.cause !== undefined;
  if (settled()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      bus.scheduler.clearTimeout(timer);
      bus.removeListener('state', onState);
      resolve();
    };
    const onState = (): void => {
      if (settled()) finish();
    };
    const timer = bus.scheduler.setTimeout(finish, maxMs);
    bus.on('state', onState);
  });
}
