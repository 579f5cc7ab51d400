/**
 * Which optional commands (3 yield, 9 type) each inverter answers, learned from its misses:
 * some types and firmwares never answer them, and asking every cycle costs a full response time
 * plus KACO's pause each time. After `missesToLearn` unanswered requests in a row (from an
 * inverter that answers command 0, or the poller would not have asked) the command counts as
 * unsupported for that inverter: it is asked again once per `retryEveryMs`, and the first answer
 * makes it supported again. Only silence counts: a garbled or refused reply shows it answers.
 */
export type OptionalCommand = '3' | '9';

export const OPTIONAL_COMMANDS: Readonly<Record<OptionalCommand, string>> = {
  '3': 'yield',
  '9': 'type',
};

export const COMMAND_SUPPORT_DEFAULTS = {
  /** unanswered requests in a row before a command counts as unsupported */
  missesToLearn: 3,
  /** how often an unsupported command is asked again: hourly */
  retryEveryMs: 3_600_000,
} as const;

export interface CommandSupportOptions {
  missesToLearn?: number;
  retryEveryMs?: number;
}

/** What one outcome changed, to be reported once. */
export type SupportChange = { kind: 'learned'; message: string } | { kind: 'answers-again'; message: string } | undefined;

interface State {
  misses: number;
  unsupported: boolean;
  nextAskAt: number;
}

export class CommandSupport {
  readonly missesToLearn: number;
  readonly retryEveryMs: number;
  private readonly states = new Map<string, State>();

  constructor(
    private readonly now: () => number,
    options: CommandSupportOptions = {},
  ) {
    this.missesToLearn = options.missesToLearn ?? COMMAND_SUPPORT_DEFAULTS.missesToLearn;
    this.retryEveryMs = options.retryEveryMs ?? COMMAND_SUPPORT_DEFAULTS.retryEveryMs;
    if (!(Number.isInteger(this.missesToLearn) && this.missesToLearn >= 1)) throw new RangeError(`misses before a command counts as unsupported must be a whole number >= 1, got ${this.missesToLearn}`);
    if (!(this.retryEveryMs > 0)) throw new RangeError(`re-try interval of an unsupported command must be > 0 ms, got ${this.retryEveryMs}`);
  }

  /** Ask this command of this inverter now? Always, unless it is unsupported and its re-try is not due. */
  shouldAsk(inverter: string, command: OptionalCommand): boolean {
    const s = this.states.get(key(inverter, command));
    return !s?.unsupported || this.now() >= s.nextAskAt;
  }

  isUnsupported(inverter: string, command: OptionalCommand): boolean {
    return this.states.get(key(inverter, command))?.unsupported === true;
  }

  answered(inverter: string, address: number, command: OptionalCommand): SupportChange {
    const k = key(inverter, command);
    const was = this.states.get(k);
    this.states.delete(k);
    return was?.unsupported ? { kind: 'answers-again', message: `inverter ${address} answers command ${command} again: ${OPTIONAL_COMMANDS[command]} read again` } : undefined;
  }

  missed(inverter: string, address: number, command: OptionalCommand): SupportChange {
    const k = key(inverter, command);
    const s = this.states.get(k) ?? { misses: 0, unsupported: false, nextAskAt: 0 };
    s.misses += 1;
    this.states.set(k, s);
    if (s.unsupported) {
      s.nextAskAt = this.now() + this.retryEveryMs;
      return undefined;
    }
    if (s.misses < this.missesToLearn) return undefined;
    s.unsupported = true;
    s.nextAskAt = this.now() + this.retryEveryMs;
    const every = this.retryEveryMs % 60000 === 0 ? `${this.retryEveryMs / 60000} min` : `${Math.round(this.retryEveryMs / 1000)} s`;
    return { kind: 'learned', message: `inverter ${address} does not answer command ${command}: ${OPTIONAL_COMMANDS[command]} not available (${s.misses} misses in a row; asked again every ${every})` };
  }
}

const key = (inverter: string, command: OptionalCommand): string => `${inverter}\u0000${command}`;
