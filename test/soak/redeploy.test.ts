/**
 * Redeploys (issue 7): a flow with every node type, against the XW and KACO simulators on pty
 * pairs, deployed again and again in the running runtime (a "full" deploy: every node closed and
 * recreated). No lock error; after the last one is stopped, file descriptors and active
 * handles and timers are back to the baseline. Shortened here; `npm run soak` runs 100.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { helper } from '../support/nodeRed';
import { startSimFleet, DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_XW, type SimFleet } from '../../lib/sim/simFleet';
import { allNodesFlow, builtNodeTypes } from './allNodesFlow';
import { soakLog, soakSize, soakTimeout } from './soakSize';

const DEPLOYS = soakSize(20, 100);

type FlowNodes = Parameters<typeof helper.load>[1];
/** node-red-node-test-helper's setFlows (a deploy in the running runtime); not in its type declaration */
// ids never equal a type name: Node-RED takes a property equal to a node's id for a config reference
const setFlows = (flow: FlowNodes): Promise<void> => (helper as unknown as { setFlows(f: FlowNodes, type: string): Promise<void> }).setFlows(flow, 'full');

function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** What keeps the event loop alive, by kind (handles, timers, requests), as Node reports it. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * Timers created by the package's code (nodes/, lib/ but the simulators) that are still pending:
 * each Timeout is recorded with its stack when created and forgotten when it fires or is cleared,
 * so a timer left by another test file (a simulator still shutting down) is not mistaken for ours.
 */
class TimerWatch {
  private readonly pending = new Map<number, string>();
  private readonly hook = createHook({
    init: (id, type) => {
      if (type === 'Timeout') this.pending.set(id, new Error().stack ?? '');
    },
    destroy: (id) => {
      this.pending.delete(id);
    },
  });
  start(): void {
    this.hook.enable();
  }
  stop(): void {
    this.hook.disable();
  }
  ours(): string[] {
    return [...this.pending.values()].filter((s) => /[/\\](nodes|lib)[/\\]/.test(s) && !/[/\\]lib[/\\]sim[/\\]/.test(s)).map((s) => s.split('\n').slice(1, 6).join(' | '));
  }
}

function grown(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.entries(after)
    .filter(([k, n]) => n > (before[k] ?? 0))
    .map(([k, n]) => `${k} ${before[k] ?? 0} -> ${n}`);
}

/** serialport's default exclusive lock: fails with "Cannot lock port" if anyone still holds the port */
async function openExclusively(port: string): Promise<void> {
  const p = new SerialPort({ path: port, baudRate: 19200, autoOpen: false });
  await new Promise<void>((resolve, reject) => p.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => p.close(() => resolve()));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe(`soak: ${DEPLOYS} redeploys of a flow with every node type`, function () {
  this.timeout(soakTimeout(120000));
  const types = builtNodeTypes();
  let fleet: SimFleet;
  let dir: string;
  let userDir: string | undefined;
  const logged: string[] = [];
  let baseline: { fds: number; resources: Record<string, number> };
  let readings = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-redeploy-'));
    fleet = await startSimFleet({
      host: '127.0.0.1',
      xw: { ...DEFAULT_XW, transport: 'pty', switchDelayMs: 50, baudRate: 115200 },
      kaco: { ...DEFAULT_KACO, transport: 'pty', startHour: 12, baudRate: 115200 },
      smaData1: { ...DEFAULT_SMA_DATA1, count: 1, transport: 'pty', startHour: 12, baudRate: 19200 },
    });
    // the watchdog's reason file and anything else a node keeps under the user directory
    userDir = (helper.settings({}) as unknown as Record<string, unknown>).userDir as string | undefined;
    helper.settings({ userDir: dir });
  });

  after(async () => {
    await helper.unload();
    helper.settings({ userDir });
    await fleet?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deploys again and again with no lock error, then leaves no descriptor, handle or timer behind', async () => {
    const flow = (i: number): FlowNodes => allNodesFlow(types.map((t) => t.type), fleet, dir, i) as FlowNodes;
    // warm-up: the runtime's own lazily created handles exist before the baseline is taken
    await helper.load(types.map((t) => t.module), flow(0));
    await sleep(300);
    await helper.unload();
    await sleep(200);
    baseline = { fds: fdCount(), resources: resources() };
    const timers = new TimerWatch();
    timers.start();

    await helper.load(types.map((t) => t.module), flow(0));
    const spyLog = (): void => {
      const log = (helper as unknown as { _logSpy?: { args: unknown[][] } })._logSpy;
      for (const args of log?.args ?? []) logged.push(JSON.stringify(args[0]).slice(0, 300));
    };
    for (let i = 1; i <= DEPLOYS; i++) {
      await setFlows(flow(i));
      // let the deploy do real work before the next one: both buses open, polls on the wire
      const start = Date.now();
      const out = helper.getNode('out-xw');
      let seen = false;
      out?.on('input', () => {
        seen = true;
        readings++;
      });
      // a poll at once (its 1 s timer runs too); the command node gets a malformed message to refuse
      helper.getNode('n-xw-poll')?.receive({ payload: 'poll' });
      helper.getNode('n-xw-command')?.receive({ payload: { controlCode: 99 } });
      while (!seen && Date.now() - start < 3000) await sleep(10);
    }
    spyLog();
    await helper.unload();
    await sleep(300);
    timers.stop();

    const lockErrors = logged.filter((l) => /lock/i.test(l));
    const after = { fds: fdCount(), resources: resources() };
    soakLog(`${DEPLOYS} redeploys of ${types.map((t) => t.type).join(', ')}: ${readings} XW readings between deploys; fds ${baseline.fds} -> ${after.fds}; resources ${JSON.stringify(baseline.resources)} -> ${JSON.stringify(after.resources)}`);
    assert.deepEqual(lockErrors, [], 'no lock error logged');
    assert.ok(readings >= DEPLOYS * 0.9, `the XW poll read after (almost) every deploy: ${readings}`);
    await openExclusively(fleet.xw?.path as string);
    await openExclusively(fleet.kaco?.path as string);
    await openExclusively(fleet.smaData1?.path as string);
    assert.ok(after.fds <= baseline.fds, `file descriptors: ${baseline.fds} before, ${after.fds} after`);
    // handles by kind; timers by who made them (another test file's simulator may still be shutting down)
    const { Timeout: _timeoutsBefore, ...handlesBefore } = baseline.resources;
    const { Timeout: _timeoutsAfter, ...handlesAfter } = after.resources;
    assert.deepEqual(grown(handlesBefore, handlesAfter), [], 'handles back to the baseline');
    assert.deepEqual(timers.ours(), [], 'timers of the package still pending after the flows stopped');
  });
});
