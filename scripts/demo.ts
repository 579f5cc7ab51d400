/**
 * `npm start`: simulated units (3 XW, 3 KACO, a Sunny Boy on an SMA Data1 line) on loopback TCP, Node-RED on 127.0.0.1:1880 with
 * this package and FlowFuse Dashboard 2.0 in a git-ignored user directory (.demo/), and the
 * dashboard example deployed against the simulators, its history kept by pv-cache. Ctrl-C stops
 * everything. The end-to-end tests start the same demo on a free port.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startSimFleet, DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_XW, type SimFleet } from '../lib/sim/simFleet';
import { startNodeRed, type NodeRedProcess } from '../test/support/nodeRedProcess';
import { pointBusesAtSimulators, type FlowNode } from './simulatedFlow';

const ROOT = path.resolve(__dirname, '..', '..');
export const DASHBOARD_EXAMPLE = path.join(ROOT, 'examples', '4 Dashboard.json');
export const DEMO_COMPANIONS = ['@flowfuse/node-red-dashboard'];
/** the simulated KACO day starts at 10:00, so the demo shows PV power at any hour */
const KACO_START_HOUR = 10;

export interface DemoOptions {
  /** 0: any free port */
  port: number;
  userDir: string;
  /** extra Node-RED settings */
  settings?: Record<string, unknown>;
}

export interface Demo {
  readonly editorUrl: string;
  readonly dashboardUrl: string;
  readonly nodeRed: NodeRedProcess;
  readonly fleet: SimFleet;
  stop(): Promise<void>;
}

export function demoFlow(fleet: SimFleet): FlowNode[] {
  const example = JSON.parse(fs.readFileSync(DASHBOARD_EXAMPLE, 'utf8')) as FlowNode[];
  return pointBusesAtSimulators(example, fleet);
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  fs.mkdirSync(options.userDir, { recursive: true });
  const fleet = await startSimFleet({
    host: '127.0.0.1',
    trimRecords: true,
    xw: { ...DEFAULT_XW, count: 3 },
    kaco: { ...DEFAULT_KACO, count: 3, startHour: KACO_START_HOUR },
    // at address 0: the demo's first read runs SMA's network discovery, as a new installation's does
    smaData1: { ...DEFAULT_SMA_DATA1, count: 1, firstAddress: 0, startHour: KACO_START_HOUR },
  });
  let nodeRed: NodeRedProcess;
  try {
    nodeRed = await startNodeRed({
      userDir: options.userDir,
      flows: demoFlow(fleet),
      companions: DEMO_COMPANIONS,
      settings: { ...options.settings, ...(options.port ? { uiPort: options.port } : {}) },
    });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const base = `http://127.0.0.1:${options.port || nodeRed.port}`;
  return {
    editorUrl: `${base}/`,
    dashboardUrl: `${base}/dashboard`,
    nodeRed,
    fleet,
    async stop() {
      await nodeRed.stop();
      await fleet.close();
    },
  };
}

/** `npm start -- --port 1881 --user-dir /tmp/demo` */
function demoArguments(argv: string[]): { port: number; userDir: string } {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const portText = value('--port');
  const port = portText === undefined ? 1880 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1–65535, got ${portText}`);
  return { port, userDir: path.resolve(value('--user-dir') ?? path.join(ROOT, '.demo', 'node-red')) };
}

function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

async function main(): Promise<void> {
  let args;
  try {
    args = demoArguments(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const { port, userDir } = args;
  process.stdout.write('Starting simulated units and Node-RED…\n');
  let demo: Demo;
  try {
    demo = await startDemo({ port, userDir });
  } catch (err) {
    const text = (err as Error).message;
    process.stderr.write(/EADDRINUSE|port in use/.test(text) ? `Port ${port} is in use: stop what runs there, or npm start -- --port 1881\n` : `${text}\n`);
    process.exit(1);
  }
  const { fleet } = demo;
  process.stdout.write(
    [
      '',
      `  Node-RED editor:  ${demo.editorUrl}`,
      `  Dashboard:        ${demo.dashboardUrl}`,
      '',
      `  XW units ${fleet.xw?.units.join(', ')} simulated on 127.0.0.1:${fleet.xw?.port} (RTU over TCP)`,
      `  KACO inverters ${fleet.kaco?.addresses.join(', ')} simulated on 127.0.0.1:${fleet.kaco?.port} (their day starts at ${KACO_START_HOUR}:00)`,
      `  SMA Sunny Boy ${fleet.smaData1?.serials.join(', ')} simulated on 127.0.0.1:${fleet.smaData1?.port} (SMA Data1 at 1200 baud; its first read runs the discovery)`,
      `  Node-RED user directory: ${shortPath(userDir)} (history in pv-cache/dashboard.sqlite)`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping Node-RED and the simulators…\n');
    demo.stop().then(
      () => process.exit(code),
      (err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  demo.nodeRed.child.once('exit', (code) => {
    if (stopping) return;
    process.stderr.write(`Node-RED exited (${code}):\n${demo.nodeRed.output().split('\n').slice(-20).join('\n')}\n`);
    stop(1);
  });
}

if (require.main === module) void main();
