/**
 * A real Node-RED process (red.js of the runtime under test) with a temporary user directory,
 * this package linked into it the way `npm install` would put it, and optionally companion
 * packages from our devDependencies. For tests that need the whole runtime: the editor, admin
 * authentication, the dashboard, a kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RUNTIME_DIR = process.env.NODE_RED_PATH ? path.resolve(process.env.NODE_RED_PATH) : path.dirname(require.resolve('node-red/package.json'));

export interface NodeRedOptions {
  flows?: unknown[];
  /** extra settings, merged into the generated settings.js (JSON-serialisable) */
  settings?: Record<string, unknown>;
  /** devDependencies to make installable in the palette, e.g. 'node-red-contrib-influxdb' */
  companions?: string[];
  /** reuse a user directory (a restart) */
  userDir?: string;
  env?: Record<string, string>;
  /** the log line that says the flows run, in the runtime's language (settings.lang) */
  started?: RegExp;
}

export interface NodeRedProcess {
  readonly url: string;
  readonly port: number;
  readonly userDir: string;
  readonly child: ChildProcess;
  /** everything the process printed */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function linkPackage(userDir: string, name: string, target: string): void {
  const dest = path.join(userDir, 'node_modules', name);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (!fs.existsSync(dest)) fs.symlinkSync(target, dest, 'dir');
}

export async function startNodeRed(options: NodeRedOptions = {}): Promise<NodeRedProcess> {
  // a user directory made here is removed by stop(); one passed in belongs to the caller (a restart)
  const ownsUserDir = options.userDir === undefined;
  const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-nr-'));
  const port = await freePort();
  linkPackage(userDir, '@solar-bus/node-red-inverters', ROOT);
  for (const name of options.companions ?? []) linkPackage(userDir, name, path.join(ROOT, 'node_modules', name));
  const deps = Object.fromEntries([['@solar-bus/node-red-inverters', '*'], ...(options.companions ?? []).map((n) => [n, '*'])]);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: deps }, null, 2));
  if (options.flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { tours: false, palette: { editable: false }, projects: { enabled: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    ...options.settings,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

  const child = spawn(process.execPath, [path.join(RUNTIME_DIR, 'red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_TOURS: 'false', ...options.env },
  });
  live.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));

  const started = new Promise<void>((resolve, reject) => {
    const until = Date.now() + 120000;
    const tick = (): void => {
      if ((options.started ?? /Started flows/).test(out)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`Node-RED exited (${child.exitCode}):\n${out}`));
      if (Date.now() > until) return reject(new Error(`Node-RED did not start in 120 s:\n${out}`));
      setTimeout(tick, 100);
    };
    tick();
  });
  try {
    await started;
  } catch (err) {
    // never leave a half-started runtime behind: it would keep mocha (and its port) alive
    child.kill('SIGKILL');
    await exited;
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    userDir,
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const force = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(force);
      }
      if (ownsUserDir) fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
