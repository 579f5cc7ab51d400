import type { LinkConfig } from './link';
import { systemScheduler, type Scheduler } from '../time/scheduler';

/** Where a bus's link stands: never opened since the bus started, open, or lost after being open. */
export type LinkPhase = 'never-opened' | 'open' | 'lost';

/** Why the link is not open, in words a user can act on, and since when (wall-clock ms, the scheduler's wallNow()). */
export interface LinkCause {
  message: string;
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
    this.cause = { message: linkCauseText(err, this.config), since: this.cause?.since ?? this.clock.wallNow() };
    return { ...this.cause };
  }
}

/**
 * A link error as the cause a user can act on: "port /dev/ttyNOPE not found, retrying",
 * "cannot open /dev/ttyUSB0: permission denied (add the user to the dialout group)",
 * "connection refused 127.0.0.1:502". serialport reports errno only in its message
 * ("Error: Permission denied, cannot open /dev/ttyS0"), Node's net module as err.code.
 */
export function linkCauseText(err: Error, config: LinkConfig): string {
  const code = (err as Error & { code?: unknown }).code;
  const text = `${typeof code === 'string' ? code : ''} ${err.message}`;
  if (config.kind === 'serial') {
    const device = /cannot open (\S+?)[:,]?(?:\s|$)/.exec(err.message)?.[1] ?? config.path;
    if (/ENOENT|no such file|no serial port matches|disappeared/i.test(text)) return `port ${config.path} not found, retrying`;
    if (/EACCES|EPERM|permission denied|operation not permitted/i.test(text)) return `cannot open ${device}: permission denied (add the user to the dialout group)`;
    if (/EBUSY|resource busy|cannot lock/i.test(text)) return `cannot open ${device}: in use by another program`;
    if (/inappropriate ioctl|ENOTTY/i.test(text)) return `cannot open ${device}: not a serial port`;
    return err.message.replace(/^Error: /, '');
  }
  const where = `${config.host}:${config.port}`;
  if (/ECONNREFUSED/.test(text)) return `connection refused ${where}`;
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(text)) return `host ${config.host} not found`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return `host ${config.host} unreachable`;
  if (/ETIMEDOUT|timed out/i.test(text)) return `no answer from ${where} (connect timed out)`;
  if (/ECONNRESET|closed/i.test(text)) return `connection to ${where} lost`;
  return err.message;
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
