/**
 * The example flows as shipped (examples/*.json) and the few changes that let them run here:
 * buses pointed at the simulators (scripts/simulatedFlow.ts, as the demo does), database
 * config nodes pointed at the test's servers, and the watchdog's checks at things that exist
 * on this machine (its internet check at a loopback listener: tests never leave 127.0.0.1).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimFleet } from '../../../lib/sim/simFleet';
import { pointBusesAtSimulators } from '../../../scripts/simulatedFlow';
import type { FlowNode } from './runtimeAdmin';

export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const EXAMPLES_DIR = path.join(ROOT, 'examples');

export function exampleFiles(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function readExample(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as FlowNode[];
}

export interface TestServers {
  fleet: SimFleet;
  influx: { host: string; port: number };
  /** mongodb config node properties: MONGODB_URL's, or a loopback port where nothing listens */
  mongo: { hostname: string; port: string; db: string };
  /** a loopback TCP listener standing in for the internet */
  internet: { host: string; port: number };
  /** a path that exists, standing in for the serial adapter */
  serialPath: string;
}

/** The example, runnable here. Returns a copy; the file is not changed. */
export function prepareExample(flow: readonly FlowNode[], servers: TestServers): FlowNode[] {
  const out = pointBusesAtSimulators(flow, servers.fleet);
  for (const n of out) {
    if (n.type === 'influxdb') Object.assign(n, { hostname: servers.influx.host, port: String(servers.influx.port), protocol: 'http', influxdbVersion: '1.x' });
    if (n.type === 'mongodb') Object.assign(n, servers.mongo);
    if (n.type === 'pv-watchdog' && Array.isArray(n.checks)) {
      n.checks = (n.checks as Record<string, unknown>[]).map((c) => {
        if (c.kind === 'internet') return { ...c, mode: 'tcp', host: servers.internet.host, port: servers.internet.port };
        if (c.kind === 'serial') return { ...c, path: servers.serialPath };
        return c;
      });
    }
  }
  return out;
}

/** mongodb config properties from MONGODB_URL (mongodb://[user:pass@]host:port/db) */
export function mongoFromUrl(url: string): { hostname: string; port: string; db: string } {
  const u = new URL(url);
  return { hostname: u.hostname, port: u.port || '27017', db: u.pathname.replace(/^\//, '') || 'solar-bus-e2e' };
}

/** Node types in a flow (tabs are not nodes). */
export function typesIn(flow: readonly FlowNode[]): Set<string> {
  return new Set(flow.filter((n) => n.type !== 'tab').map((n) => n.type));
}
