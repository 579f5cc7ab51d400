import { systemScheduler, type Scheduler } from '../time/scheduler';
import { ConfigError } from '../bus/errors';
import { BusActivity, type WatchedBus } from './busActivity';
import { resultPeriodS, type CheckConfig } from './checkConfig';
import { CheckHistory, type CheckResult } from './checkHistory';
import { dnsProbe } from './probes/dnsProbe';
import type { ProbeResult } from './probes/probeResult';
import { serialPortProbe } from './probes/serialPortProbe';
import { tcpProbe } from './probes/tcpProbe';
import { runCommand, type CommandResult } from './rebootCommand';
import { requiredUptimeS, type RebootPolicy } from './rebootPolicy';
import { EMPTY_REASON_FILE, type ReasonFile, type RebootReason } from './rebootReason';
import type { ReasonStore } from './reasonStore';
import { appUptimeS, systemUptimeS } from './uptime';

/** Longest a network probe may take (less when the check's interval is shorter). */
const PROBE_TIMEOUT_MS = 10000;

export interface Probes {
  tcp(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult>;
  dns(host: string, server: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult>;
  serial(path: string): ProbeResult | Promise<ProbeResult>;
}

const HOST_PROBES: Probes = { tcp: tcpProbe, dns: dnsProbe, serial: serialPortProbe };

type Streak = NonNullable<ReasonFile['streak']>;

export interface WatchdogOptions {
  checks: readonly CheckConfig[];
  /** results kept per check (the newest) */
  historySize: number;
  policy: RebootPolicy;
  /** decide and report, but write no reason file and run no command */
  dryRun: boolean;
  /** program and arguments (see commandLine.ts); empty: none, the flow acts on the decision */
  command: readonly string[];
  store: ReasonStore;
  /** the bus that bus checks watch */
  findBus?: () => WatchedBus | undefined;
  /** time (lib/time/scheduler.ts); the system's when absent */
  scheduler?: Pick<Scheduler, 'now'>;
  systemUptimeS?: () => number;
  appUptimeS?: () => number;
  wallTime?: () => Date;
  probes?: Partial<Probes>;
  runCommand?: (argv: readonly string[], signal: AbortSignal) => Promise<CommandResult>;
  /** a decision was taken (after the reason file is written, before the command runs) */
  onDecision?: (reason: RebootReason) => void;
  onCommandDone?: (result: CommandResult) => void;
  onWarning?: (message: string) => void;
}

export type WatchdogStatus =
  | { state: 'idle' } // no checks configured
  | { state: 'starting' } // no check has a result yet
  | { state: 'healthy' }
  | {
      state: 'failing';
      check: string;
      failsInRow: number;
      failsToAct: number;
      /** estimated ms until the watchdog acts: the fails still needed, and the uptime gate */
      leftMs: number;
      /** the rule is broken; only the minimum uptime holds the decision back */
      waitingForUptime: boolean;
      detail: string;
    };

interface CheckState {
  config: CheckConfig;
  history: CheckHistory;
  /** monotonic ms when a polled check runs next */
  nextDueAt: number;
  /** monotonic ms of the last result, or of the last flow update (staleness counts from it) */
  lastResultAt: number;
  running?: Promise<void>;
  busActivity?: BusActivity;
}

/**
 * The watchdog: runs the checks on a monotonic clock, keeps each one's newest results, and
 * when a check has failed `failsToAct` times in a row and the system has been up long enough
 * (see rebootPolicy.ts), decides to reboot: records why (reasonStore), reports the decision,
 * and runs the configured command, if any. It owns no timer: whoever hosts it calls runDue()
 * (the node every second, tests after moving their clock).
 */
export class Watchdog {
  private readonly clock: Pick<Scheduler, 'now'>;
  private readonly states: CheckState[];
  private readonly byName = new Map<string, CheckState>();
  private readonly probes: Probes;
  private readonly abort = new AbortController();
  private file: ReasonFile = { ...EMPTY_REASON_FILE };
  private started = false;
  private closed = false;
  private deciding: Promise<void> | undefined;
  /**
   * Dry run: the last decision, as if it had rebooted the machine. The armed watchdog gets its
   * backoff from the reason file and its gate from the uptime after the reboot; a dry run keeps
   * the same streak here and counts its "uptime" from this decision, so it decides when the
   * armed one would (once, then after the backoff), and only the action differs.
   */
  private dry: { at: number; streak: Streak | null } | undefined;

  constructor(private readonly options: WatchdogOptions) {
    this.clock = options.scheduler ?? systemScheduler;
    this.probes = { ...HOST_PROBES, ...options.probes };
    if (options.command.length > 0 && options.command[0] === '') throw new ConfigError('reboot command has an empty program name');
    const now = this.clock.now();
    this.states = options.checks.map((config) => {
      const state: CheckState = { config, history: new CheckHistory(options.historySize), nextDueAt: now, lastResultAt: now };
      if (config.kind === 'bus') {
        if (!options.findBus) throw new ConfigError(`check "${config.name}" watches a bus, but no rs485-bus is chosen`);
        state.busActivity = new BusActivity(options.findBus, this.clock);
      }
      this.byName.set(config.name, state);
      return state;
    });
  }

  /**
   * Loads the reason file. Returns the reason recorded before the last reboot if it has not
   * been reported yet (send it, then call markReported()), else null. Decisions wait for this.
   */
  async start(): Promise<RebootReason | null> {
    this.file = await this.options.store.load();
    this.started = true;
    return this.file.reason !== null && !this.file.reported ? this.file.reason : null;
  }

  async markReported(): Promise<void> {
    if (this.file.reason === null || this.file.reported) return;
    this.file = { ...this.file, reported: true };
    await this.options.store.save(this.file);
  }

  /** Names of the checks the flow feeds (msg.topic). */
  flowCheckNames(): string[] {
    return this.states.filter((s) => s.config.kind === 'flow').map((s) => s.config.name);
  }

  /** A result from the flow: msg.topic names a flow check, msg.payload is a boolean. Bad input is a ConfigError. */
  async feed(topic: unknown, payload: unknown): Promise<void> {
    const names = this.flowCheckNames();
    const known = names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'none configured';
    if (typeof topic !== 'string' || topic === '') {
      throw new ConfigError(`msg.topic must name a check fed by the flow (${known}), got ${describe(topic)}`);
    }
    const state = this.byName.get(topic);
    if (!state) throw new ConfigError(`unknown check "${topic}"; checks fed by the flow: ${known}`);
    if (state.config.kind !== 'flow') {
      throw new ConfigError(`check "${topic}" is a ${state.config.kind} check that the watchdog runs itself; only flow checks take messages (${known})`);
    }
    if (typeof payload !== 'boolean') {
      throw new ConfigError(`check "${topic}" needs msg.payload true (ok) or false (failed), got ${describe(payload)}`);
    }
    if (this.closed) return;
    await this.record(state, payload, payload ? 'the flow reported ok' : 'the flow reported a failure');
  }

  /** Runs the polled checks that are due, counts stale flow checks, and decides. */
  async runDue(): Promise<void> {
    if (this.closed) return;
    const now = this.clock.now();
    const runs: Promise<void>[] = [];
    for (const state of this.states) {
      const c = state.config;
      if (c.kind === 'flow') {
        if (now - state.lastResultAt >= c.staleAfterS * 1000) runs.push(this.record(state, false, `no update for ${c.staleAfterS} s`));
        continue;
      }
      if (state.running || now < state.nextDueAt) continue;
      state.nextDueAt = now + c.intervalS * 1000;
      const run = this.probe(state)
        .catch((err: unknown): ProbeResult => ({ ok: false, detail: `probe failed: ${(err as Error).message}` }))
        .then((result) => this.record(state, result.ok, result.detail))
        .finally(() => {
          state.running = undefined;
        });
      state.running = run;
      runs.push(run);
    }
    await Promise.all(runs);
    await this.evaluate();
  }

  /** The newest results of a check, oldest first. */
  history(name: string): readonly CheckResult[] {
    const state = this.byName.get(name);
    if (!state) throw new ConfigError(`unknown check "${name}"`);
    return state.history.list();
  }

  failsInRow(name: string): number {
    const state = this.byName.get(name);
    if (!state) throw new ConfigError(`unknown check "${name}"`);
    return state.history.failsInRow;
  }

  status(): WatchdogStatus {
    if (this.states.length === 0) return { state: 'idle' };
    if (this.states.every((s) => s.history.latest() === undefined)) return { state: 'starting' };
    const now = this.clock.now();
    const uptime = this.uptimeS();
    let worst: WatchdogStatus | undefined;
    for (const s of this.states) {
      const fails = s.history.failsInRow;
      if (fails === 0) continue;
      const failsLeft = Math.max(0, s.config.failsToAct - fails);
      const ruleLeftMs = Math.max(0, failsLeft * resultPeriodS(s.config) * 1000 - (now - s.lastResultAt));
      const gateLeftMs = Math.max(0, (this.requiredUptimeFor(s.config.name) - uptime) * 1000);
      const leftMs = Math.max(ruleLeftMs, gateLeftMs);
      if (worst === undefined || (worst.state === 'failing' && leftMs < worst.leftMs)) {
        worst = {
          state: 'failing',
          check: s.config.name,
          failsInRow: fails,
          failsToAct: s.config.failsToAct,
          leftMs,
          waitingForUptime: failsLeft === 0 && gateLeftMs > 0,
          detail: s.history.latest()?.detail ?? '',
        };
      }
    }
    return worst ?? { state: 'healthy' };
  }

  /** Stops probes and a running command, and waits for decisions and file writes to finish. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.states.map((s) => s.running), this.deciding, this.options.store.flush()]);
  }

  private probe(state: CheckState): Promise<ProbeResult> {
    const c = state.config;
    const signal = this.abort.signal;
    switch (c.kind) {
      case 'internet': {
        const timeoutMs = Math.min(PROBE_TIMEOUT_MS, c.intervalS * 1000);
        return c.mode === 'tcp' ? this.probes.tcp(c.host, c.port, timeoutMs, signal) : this.probes.dns(c.host, c.server, timeoutMs, signal);
      }
      case 'serial':
        return Promise.resolve(this.probes.serial(c.path));
      case 'bus':
        return Promise.resolve((state.busActivity as BusActivity).sample(c.withinS * 1000));
      case 'flow':
        return Promise.reject(new Error('flow checks are fed, not probed'));
    }
  }

  private async record(state: CheckState, ok: boolean, detail: string): Promise<void> {
    const now = this.clock.now();
    state.history.add({ ok, at: now, detail });
    state.lastResultAt = now;
    const streak = this.streak();
    if (ok && streak !== null && streak.check === state.config.name) {
      // the reboot helped (or the fault went away): the next one needs only the minimum uptime
      if (this.dry) {
        this.dry = { ...this.dry, streak: null };
        return this.evaluate();
      }
      this.file = { ...this.file, streak: null };
      this.options.store.save(this.file).catch((err: Error) => this.warn(`could not clear the reboot backoff: ${err.message}`));
    }
    await this.evaluate();
  }

  /** Decisions in a row for one check, which the backoff counts. */
  private streak(): Streak | null {
    return this.dry ? this.dry.streak : this.file.streak;
  }

  /** The system's uptime; for a dry run that decided, the time since that decision (its "reboot"). */
  private uptimeS(): number {
    const system = (this.options.systemUptimeS ?? systemUptimeS)();
    return this.dry ? Math.min(system, (this.clock.now() - this.dry.at) / 1000) : system;
  }

  private requiredUptimeFor(check: string): number {
    const streak = this.streak();
    return requiredUptimeS(this.options.policy, streak !== null && streak.check === check ? streak.count : 0);
  }

  private evaluate(): Promise<void> {
    // no decision before the reason file is read: the backoff depends on it
    if (this.closed || !this.started) return Promise.resolve();
    if (this.deciding) return this.deciding;
    const uptime = this.uptimeS();
    for (const state of this.states) {
      if (state.history.failsInRow < state.config.failsToAct) continue;
      const required = this.requiredUptimeFor(state.config.name);
      if (uptime < required) continue;
      this.deciding = this.decide(state, required).finally(() => {
        this.deciding = undefined;
      });
      return this.deciding;
    }
    return Promise.resolve();
  }

  private async decide(state: CheckState, required: number): Promise<void> {
    const o = this.options;
    const c = state.config;
    const streak = this.streak();
    const before = streak !== null && streak.check === c.name ? streak.count : 0;
    const reason: RebootReason = {
      check: c.name,
      kind: c.kind,
      detail: state.history.latest()?.detail ?? '',
      fails_in_row: state.history.failsInRow,
      fails_to_act: c.failsToAct,
      history_failed: state.history.failures(),
      history_size: state.history.list().length,
      uptime_system_s: Math.round((o.systemUptimeS ?? systemUptimeS)() * 100) / 100,
      uptime_app_s: Math.round((o.appUptimeS ?? appUptimeS)() * 100) / 100,
      monotonic_ms: Math.round(this.clock.now()),
      wall_time: (o.wallTime ?? (() => new Date()))().toISOString(),
      required_uptime_s: required,
      reboots_for_reason: before + 1,
      dry_run: o.dryRun,
      command: o.command.length > 0 ? o.command.join(' ') : '',
    };
    // every rule starts counting again: one decision, not one per broken check or per tick
    for (const s of this.states) s.history.resetFailsInRow();
    if (o.dryRun) {
      this.dry = { at: this.clock.now(), streak: { check: c.name, count: before + 1 } };
    } else {
      this.file = { version: 1, reason, reported: false, streak: { check: c.name, count: before + 1 } };
      try {
        await o.store.save(this.file);
      } catch (err) {
        // a dead SD card is a reason to reboot, not to stay up
        this.warn(`could not write the reboot reason to ${o.store.file}: ${(err as Error).message}`);
      }
    }
    o.onDecision?.(reason);
    if (!o.dryRun && o.command.length > 0 && !this.closed) {
      const result = await (o.runCommand ?? runCommand)(o.command, this.abort.signal);
      o.onCommandDone?.(result);
    }
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
  return `${typeof value === 'object' ? '' : `${typeof value} `}${text.slice(0, 40)}`;
}
