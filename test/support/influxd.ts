/**
 * A real InfluxDB 1.x server for tests: `influxd` (Debian package influxdb) on loopback ports
 * picked free, data in a temporary directory, nothing else listening (no reporting, no
 * _internal monitor, no UDP/Graphite/…). stop() and start() again keep the data and the port, to
 * play an outage. close() stops it and removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const INFLUXD_MISSING = 'influxd not installed (apt-get install influxdb)';

export interface InfluxSeries {
  name: string;
  columns: string[];
  values: unknown[][];
  tags?: Record<string, string>;
}

export interface Influxd {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  /** everything the server logged */
  output(): string;
  /** (re)start on the same port with the same data; resolves once /ping answers */
  start(): Promise<void>;
  /** stop the server (SIGTERM, SIGKILL after 10 s); the data stays */
  stop(): Promise<void>;
  /** stop and remove the data directory */
  close(): Promise<void>;
  /** POST /query (CREATE DATABASE …) */
  command(q: string): Promise<void>;
  /** GET /query with epoch=ms: the series of the first statement */
  query(db: string, q: string): Promise<InfluxSeries[]>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** The influxd binary: $INFLUXD_PATH when set, else the first on PATH, /usr/bin or /usr/sbin. */
export function influxdPath(): string {
  if (process.env.INFLUXD_PATH !== undefined) {
    if (fs.existsSync(process.env.INFLUXD_PATH)) return process.env.INFLUXD_PATH;
    throw new Error(`${INFLUXD_MISSING}: INFLUXD_PATH=${process.env.INFLUXD_PATH} does not exist`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const candidate = path.join(dir, 'influxd');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(INFLUXD_MISSING);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function request(method: string, url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function configText(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${path.join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${path.join(dir, 'data')}"
  wal-dir = "${path.join(dir, 'wal')}"
  query-log-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false
`;
}

export async function startInfluxd(): Promise<Influxd> {
  const binary = influxdPath();
  const version = spawnSync(binary, ['version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`${INFLUXD_MISSING}: ${binary} version failed: ${version.stderr}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const configFile = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(configFile, configText(dir, port, rpcPort));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let out = '';

  const server: Influxd = {
    host: '127.0.0.1',
    port,
    url,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    output: () => out,
    async start() {
      if (server.running) return;
      const c = spawn(binary, ['-config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false' } });
      child = c;
      live.add(c);
      c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      c.once('exit', () => live.delete(c));
      const until = Date.now() + 30000;
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`influxd exited (${c.exitCode ?? c.signalCode}):\n${out}`);
        try {
          if ((await request('GET', `${url}/ping`)).status === 204) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > until) throw new Error(`influxd did not answer /ping in 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const c = child;
      if (!c || !server.running) return;
      c.kill('SIGTERM');
      const force = setTimeout(() => c.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(force);
    },
    async close() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async command(q: string) {
      const r = await request('POST', `${url}/query`, `q=${encodeURIComponent(q)}`);
      if (r.status !== 200 || /"error"/.test(r.text)) throw new Error(`influxd ${q}: ${r.status} ${r.text}`);
    },
    async query(db: string, q: string) {
      const r = await request('GET', `${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`);
      if (r.status !== 200) throw new Error(`influxd ${q}: ${r.status} ${r.text}`);
      const body = JSON.parse(r.text) as { results: { series?: InfluxSeries[]; error?: string }[] };
      const first = body.results[0];
      if (first?.error) throw new Error(`influxd ${q}: ${first.error}`);
      return first?.series ?? [];
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}
