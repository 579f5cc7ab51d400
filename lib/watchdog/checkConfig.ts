import { ConfigError } from '../bus/errors';
import { dnsServerProblem, hostProblem } from './hostName';

/**
 * The checks a watchdog runs, as stored in the node config (one entry of the editor's list).
 * - internet: TCP connect to host:port, or a DNS query for host (optionally at a given server)
 * - serial: a serial device path or a glob in the file name (/dev/ttyUSB*) exists
 * - bus: the watchdog's rs485-bus had a successful transaction within `within` seconds
 * - flow: the flow sends msg.topic = name with a boolean payload; no update within
 *   `staleAfter` seconds counts as one failure (and one more for every further `staleAfter`)
 */
export type CheckKind = 'internet' | 'serial' | 'bus' | 'flow';

interface CheckBase {
  /** unique; the msg.topic of a flow check; shown in the status and the reboot reason */
  name: string;
  /** failures in a row that break the rule */
  failsToAct: number;
}

export interface InternetCheckConfig extends CheckBase {
  kind: 'internet';
  mode: 'tcp' | 'dns';
  /** tcp: host to connect to; dns: name to resolve */
  host: string;
  /** tcp only */
  port: number;
  /** dns only: server ("ip" or "ip:port") to ask; empty = the system's resolvers */
  server: string;
  intervalS: number;
}

export interface SerialCheckConfig extends CheckBase {
  kind: 'serial';
  path: string;
  intervalS: number;
}

export interface BusCheckConfig extends CheckBase {
  kind: 'bus';
  withinS: number;
  intervalS: number;
}

export interface FlowCheckConfig extends CheckBase {
  kind: 'flow';
  staleAfterS: number;
}

export type CheckConfig = InternetCheckConfig | SerialCheckConfig | BusCheckConfig | FlowCheckConfig;

/**
 * Defaults of a new list entry, per kind, under the stored names (seconds: interval, within,
 * staleAfter). The editor (pv-watchdog.html, CHECK_DEFAULTS) offers
 * the same values; test/watchdog/checkDefaults.test.ts keeps the two equal.
 */
export const CHECK_DEFAULTS = {
  internet: { mode: 'tcp', host: '1.1.1.1', port: 53, server: '', interval: 60, failsToAct: 15 },
  serial: { path: '/dev/ttyUSB*', interval: 60, failsToAct: 10 },
  bus: { within: 900, interval: 60, failsToAct: 3 },
  flow: { staleAfter: 900, failsToAct: 3 },
} as const;

const KINDS: readonly CheckKind[] = ['internet', 'serial', 'bus', 'flow'];

/**
 * Validates the editor's list (stored names: interval, within, staleAfter, in seconds) into
 * check configs. Values typed into the editor may arrive as strings; numbers are
 * parsed here, anything else wrong is a ConfigError naming the entry and the field.
 */
export function parseChecks(raw: unknown): CheckConfig[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new ConfigError('checks must be a list');
  const checks = raw.map((entry, i) => parseCheck(entry, i));
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) throw new ConfigError(`two checks are named "${c.name}"; names must be unique`);
    seen.add(c.name);
  }
  return checks;
}

function parseCheck(entry: unknown, index: number): CheckConfig {
  if (typeof entry !== 'object' || entry === null) throw new ConfigError(`check ${index + 1} is not an object`);
  const e = entry as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name.trim() : '';
  if (name === '') throw new ConfigError(`check ${index + 1} has no name`);
  const where = `check "${name}"`;
  const kind = e.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind as CheckKind)) {
    throw new ConfigError(`${where}: unknown kind ${JSON.stringify(kind)} (one of ${KINDS.join(', ')})`);
  }
  const d: Record<string, unknown> = CHECK_DEFAULTS[kind as CheckKind];
  const num = (field: string, min: number, integer = false, max = Infinity): number => {
    const v = e[field] === undefined || e[field] === '' ? d[field] : e[field];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new ConfigError(`${where}: ${field} must be ${integer ? 'an integer' : 'a number'} ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(e[field])}`);
    }
    return n;
  };
  const str = (field: string): string => {
    const v = e[field] === undefined ? d[field] : e[field];
    if (typeof v !== 'string') throw new ConfigError(`${where}: ${field} must be text`);
    return v.trim();
  };
  const failsToAct = num('failsToAct', 1, true);
  switch (kind as CheckKind) {
    case 'internet': {
      const mode = str('mode');
      if (mode !== 'tcp' && mode !== 'dns') throw new ConfigError(`${where}: mode must be tcp or dns, got ${JSON.stringify(mode)}`);
      const host = str('host');
      const bad = hostProblem(host);
      if (bad !== undefined) throw new ConfigError(`${where}: host ${host === '' ? '' : `${JSON.stringify(host)} `}${bad}`);
      const port = mode === 'tcp' ? num('port', 1, true, 65535) : 0;
      const server = mode === 'dns' ? str('server') : '';
      const badServer = dnsServerProblem(server);
      if (badServer !== undefined) throw new ConfigError(`${where}: DNS server ${JSON.stringify(server)} ${badServer}`);
      return { kind: 'internet', name, failsToAct, mode, host, port, server, intervalS: num('interval', 1) };
    }
    case 'serial': {
      const path = str('path');
      if (!path.startsWith('/')) throw new ConfigError(`${where}: path must be absolute, e.g. /dev/ttyUSB0 or /dev/ttyUSB*`);
      if (/[*?[]/.test(path.slice(0, path.lastIndexOf('/')))) {
        throw new ConfigError(`${where}: a wildcard is allowed only in the file name (/dev/ttyUSB*), not in ${path}`);
      }
      return { kind: 'serial', name, failsToAct, path, intervalS: num('interval', 1) };
    }
    case 'bus':
      return { kind: 'bus', name, failsToAct, withinS: num('within', 1), intervalS: num('interval', 1) };
    case 'flow':
      return { kind: 'flow', name, failsToAct, staleAfterS: num('staleAfter', 1) };
  }
}

/** Seconds between two results of a check: its poll interval, or for a flow check its staleness limit. */
export function resultPeriodS(check: CheckConfig): number {
  return check.kind === 'flow' ? check.staleAfterS : check.intervalS;
}
