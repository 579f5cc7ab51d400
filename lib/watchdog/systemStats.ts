import fs from 'node:fs';
import os from 'node:os';
import type { WatchedBus } from './busActivity';
import { appUptimeS, systemUptimeS } from './uptime';

/**
 * Fields of the `system` measurement. uptime_node, uptime_app and ram_free_kb keep the old
 * logger's names so its InfluxDB history continues.
 */
export interface SystemFields {
  uptime_node: number;
  uptime_app: number;
  ram_free_kb: number;
  /** absent where the kernel does not report MemAvailable */
  ram_available_kb?: number;
  load_1: number;
  load_5: number;
  load_15: number;
}

/** Fields of one bus's point in the `system` measurement (tagged bus=<key>). */
export interface BusFields {
  transactions: number;
  errors: number;
  retries: number;
  /** 0–1, over the last minute */
  utilisation: number;
  queue_length: number;
  unreachable_units: number;
}

export interface SystemSources {
  systemUptimeS: () => number;
  appUptimeS: () => number;
  /** text of /proc/meminfo, or undefined where there is none */
  meminfo: () => string | undefined;
  loadavg: () => number[];
}

export const HOST_SOURCES: SystemSources = {
  systemUptimeS,
  appUptimeS,
  meminfo: () => {
    try {
      return fs.readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return undefined;
    }
  },
  loadavg: () => os.loadavg(),
};

export function readSystemFields(sources: SystemSources = HOST_SOURCES): SystemFields {
  const mem = sources.meminfo();
  const free = mem === undefined ? undefined : meminfoKb(mem, 'MemFree');
  const available = mem === undefined ? undefined : meminfoKb(mem, 'MemAvailable');
  const [l1, l5, l15] = sources.loadavg();
  const fields: SystemFields = {
    uptime_node: round2(sources.systemUptimeS()),
    uptime_app: round2(sources.appUptimeS()),
    ram_free_kb: free ?? Math.round(os.freemem() / 1024),
    load_1: l1,
    load_5: l5,
    load_15: l15,
  };
  if (available !== undefined) fields.ram_available_kb = available;
  return fields;
}

export function busFields(bus: WatchedBus): BusFields {
  const c = bus.counters();
  return {
    transactions: c.transactions,
    errors: c.errors,
    retries: c.retries,
    utilisation: round2(c.utilisation * 100) / 100,
    queue_length: c.queueLength,
    unreachable_units: c.unreachable.length,
  };
}

export type Tags = Record<string, string>;
export type InfluxPoint = [Record<string, number | string | boolean>, Tags];

/**
 * The statistics as influxdb out takes them for one measurement: an array of [fields, tags]
 * points, the system first, then one per bus tagged `bus`.
 */
export function statsPoints(system: SystemFields, buses: readonly WatchedBus[], tags: Tags): InfluxPoint[] {
  const points: InfluxPoint[] = [[{ ...system }, { ...tags }]];
  for (const bus of buses) points.push([{ ...busFields(bus) }, { ...tags, bus: bus.key }]);
  return points;
}

function meminfoKb(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
