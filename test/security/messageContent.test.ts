/**
 * Message content is data, never an instruction (issue 7): hostile messages — shell fragments,
 * file paths, register addresses, unit addresses, control codes outside the table, raw KACO
 * requests — sent to every node of a flow with every node type. Nothing of them reaches a child
 * process or a file path, the simulators see only reads inside the XW register table and KACO's
 * command set, no write at all, and xw-command refuses each with an error. A positive control
 * (a code in the node's own table) proves the same flow does write when asked properly.
 */
import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper } from '../support/nodeRed';
import { startSimFleet, DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_XW, type SimFleet } from '../../lib/sim/simFleet';
import { XW_TABLE } from '../../lib/xw/registerTable';
import { COMMANDS } from '../../lib/xw/commandTable';
import { KACO_COMMANDS } from '../../lib/kaco/commands';
import { DATA1_COMMANDS } from '../../lib/sma/data1Commands';
import { allNodesFlow, builtNodeTypes } from '../soak/allNodesFlow';

type FlowNodes = Parameters<typeof helper.load>[1];
type Msg = Record<string, unknown>;

const MARK = `solar-bus-mark-${process.pid}-${Date.now()}`;

function hostileMessages(): Msg[] {
  const file = `/tmp/${MARK}`;
  return [
    { payload: `$(touch ${file})`, topic: `; touch ${file}` },
    { payload: { command: `touch ${file}`, controlCode: 99 } },
    { payload: { command: 'start-charge', controlCode: 1 } },
    { payload: 7 },
    { payload: -1 },
    { payload: 1.5 },
    { payload: 1e9 },
    { payload: 'NaN' },
    { payload: '1; reboot' },
    { payload: '0x01' },
    { payload: null },
    { payload: [1] },
    { payload: true },
    { payload: { address: 40000, register: 65535, value: 1, unit: 250 }, address: 65535, register: 65535, unit: 250, count: 125, value: 1 },
    { payload: file, path: file, filename: `../../${MARK}`, file, reasonFile: file, userDir: '/tmp', dbPath: file },
    { payload: 'rest', inverter: 250 },
    { payload: 'rest', inverter: `../../${MARK}` },
    { payload: 'rest', inverter: [] },
    { payload: 'start-charge', inverter: { unit: 10 } },
    { command: `rm -rf ${file}`, exec: `touch ${file}`, reboot: true, payload: { reboot: true, command: `touch ${file}` } },
    { topic: 'xw bus', payload: 'yes' },
    { fields: ['battery_voltage', 'no_such_field'], payload: { fields: ['x'], address: 0, count: 125 } },
    { payload: '#01s\r#028\r', command: '8', kacoCommand: 's', address: 33 },
    { payload: { query: `../../${MARK}`, path: file }, topic: 'query' },
    { payload: '\u0000\u0001\u00ff', topic: '\r\n' },
  ];
}

/** Records what reaches child_process and file paths while the hostile messages are handled. */
class Recorder {
  readonly processes: string[] = [];
  readonly paths: string[] = [];
  private readonly restore: (() => void)[] = [];

  install(): void {
    const wrap = <T extends object>(target: T, names: string[], sink: string[]): void => {
      for (const name of names) {
        const original = (target as Record<string, unknown>)[name];
        if (typeof original !== 'function') continue;
        const wrapped = function (this: unknown, ...args: unknown[]): unknown {
          sink.push(args.map((a) => (typeof a === 'string' || Buffer.isBuffer(a) || a instanceof URL ? String(a) : Array.isArray(a) ? a.join(' ') : '')).join(' '));
          return (original as (...a: unknown[]) => unknown).apply(this, args);
        };
        (target as Record<string, unknown>)[name] = wrapped;
        this.restore.push(() => ((target as Record<string, unknown>)[name] = original));
      }
    };
    wrap(childProcess, ['spawn', 'exec', 'execFile', 'fork', 'spawnSync', 'execSync', 'execFileSync'], this.processes);
    const fsNames = ['open', 'openSync', 'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'mkdir', 'mkdirSync', 'rename', 'renameSync', 'createWriteStream', 'unlink', 'unlinkSync', 'rm', 'rmSync', 'copyFile', 'copyFileSync', 'symlink', 'symlinkSync'];
    wrap(fs, fsNames, this.paths);
    wrap(fs.promises, ['open', 'writeFile', 'appendFile', 'mkdir', 'rename', 'unlink', 'rm', 'copyFile', 'symlink'], this.paths);
  }

  uninstall(): void {
    for (const r of this.restore.reverse()) r();
    this.restore.length = 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('security: message content never reaches a shell, a file path or the wire outside the tables', function () {
  this.timeout(60000);
  const types = builtNodeTypes();
  const recorder = new Recorder();
  let fleet: SimFleet;
  let dir: string;
  let userDir: unknown;
  const errors = new Map<string, string[]>();
  const reports: Msg[] = [];
  let targets: string[] = [];
  let sent = 0;
  /** the _msgid of every message a target ended, with done() or done(err) */
  const ended = new Set<string>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-hostile-'));
    fleet = await startSimFleet({
      host: '127.0.0.1',
      xw: { ...DEFAULT_XW, transport: 'pty', switchDelayMs: 50, baudRate: 115200 },
      kaco: { ...DEFAULT_KACO, transport: 'pty', startHour: 12, baudRate: 115200 },
      smaData1: { ...DEFAULT_SMA_DATA1, count: 1, transport: 'pty', startHour: 12, baudRate: 19200 },
    });
    userDir = (helper.settings({}) as unknown as Msg).userDir;
    helper.settings({ userDir: dir });
    const flow = allNodesFlow(
      types.map((t) => t.type),
      fleet,
      dir,
      0,
    );
    // a second command node whose table knows one code only: 10 = rest
    flow.push({ id: 'n-xw-command-10', z: 'soak', type: 'xw-command', name: 'only code 10', inverters: ['xw10', 'xw11', 'xw12'], codes: [{ code: 10, command: 'rest' }], deadline: 5, wires: [['out-cmd-10']] });
    flow.push({ id: 'out-cmd-10', z: 'soak', type: 'helper' });
    targets = flow.filter((n) => n.z === 'soak' && n.type !== 'helper').map((n) => String(n.id));
    // the messages the targets ended: a complete node (done() without an error) and a catch node (done(err)) over all of
    // them; every message sent has its own _msgid (the test helper registers a core node once per flow node, so one of each)
    flow.push({ id: 'ended-ok', z: 'soak', type: 'complete', scope: targets, uncaught: false, wires: [['ended-ok-out']] }, { id: 'ended-ok-out', z: 'soak', type: 'helper' });
    flow.push({ id: 'ended-err', z: 'soak', type: 'catch', scope: targets, uncaught: false, wires: [['ended-err-out']] }, { id: 'ended-err-out', z: 'soak', type: 'helper' });
    await helper.load(types.map((t) => t.module), flow as FlowNodes);
    for (const id of ['ended-ok-out', 'ended-err-out']) helper.getNode(id)?.on('input', (m: unknown) => ended.add(String((m as Msg)._msgid)));
    for (const id of targets) {
      const node = helper.getNode(id);
      errors.set(id, []);
      (node as unknown as NodeJS.EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.get(id)?.push(String((call.args[0] as Error)?.message ?? call.args[0])));
    }
    helper.getNode('out-cmd-10')?.on('input', (msg: unknown) => reports.push(msg as Msg));
    await sleep(500);
    fleet.xw?.sim.resetStats();
    fleet.kaco?.sim.requests.splice(0);

    recorder.install();
    try {
      const expected: string[] = [];
      for (const msg of hostileMessages()) {
        for (const id of targets) {
          const copy = { ...(JSON.parse(JSON.stringify(msg)) as Msg), _msgid: `hostile-${sent}` };
          expected.push(copy._msgid as string);
          helper.getNode(id)?.receive(copy);
          sent++;
        }
        await sleep(20);
      }
      // what the hostile messages set going (polls, cycles) runs to its end: every node ends every message it was given
      const until = Date.now() + 30000;
      while (expected.some((e) => !ended.has(e)) && Date.now() < until) await sleep(20);
      const open = expected.filter((e) => !ended.has(e)).map((e) => `${targets[Number(e.slice('hostile-'.length)) % targets.length]} ${e}`);
      assert.deepEqual(open, [], 'messages a node never ended (neither done() nor done(err))');
    } finally {
      recorder.uninstall();
    }
  });

  after(async () => {
    recorder.uninstall();
    await helper.unload();
    helper.settings({ userDir });
    await fleet?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts no process and opens no file named by a message', () => {
    assert.ok(sent >= targets.length * 20, `sent ${sent}`);
    const hostile = (s: string): boolean => s.includes(MARK) || /touch |rm -rf|reboot/.test(s);
    assert.deepEqual(recorder.processes.filter(hostile), [], 'child processes with message content');
    assert.deepEqual(recorder.paths.filter(hostile), [], 'file paths with message content');
    for (const p of [`/tmp/${MARK}`, path.join(process.cwd(), MARK), path.join(dir, MARK), path.resolve(dir, '..', '..', MARK)]) assert.equal(fs.existsSync(p), false, p);
  });

  it('reads only fields of the XW register table and writes nothing', () => {
    const sim = fleet.xw?.sim;
    assert.ok(sim && sim.requests.length > 0, 'the polls the messages triggered reached the simulator');
    for (const r of sim.requests) {
      assert.equal(r.functionCode, 3, `only reads: ${JSON.stringify(r)}`);
      const from = r.address as number;
      const to = from + (r.count as number) - 1;
      // the planner may read across an undocumented gap between fields, never past the table's fields
      assert.ok(XW_TABLE.fields.some((f) => f.address === from) && XW_TABLE.fields.some((f) => f.end === to + 1), `read ${from}–${to} does not start and end on fields of the register table`);
    }
    for (const u of fleet.xw?.units ?? []) assert.equal(sim.writeCount(u), 0, `unit ${u} written`);
  });

  it('sends KACO only its own commands to configured addresses', () => {
    const requests = fleet.kaco?.sim.requests ?? [];
    assert.ok(requests.length > 0, 'the KACO reads the messages triggered reached the simulator');
    for (const r of requests) {
      assert.ok(Object.hasOwn(KACO_COMMANDS, r.command), `command ${r.command}`);
      assert.ok(fleet.kaco?.addresses.includes(r.address), `address ${r.address}`);
    }
  });

  it('sends SMA only Data1 commands of its table, to the configured device or as the protocol\'s broadcasts', () => {
    const requests = fleet.smaData1?.sim.requests ?? [];
    const codes = new Set<number>(Object.values(DATA1_COMMANDS).map((c) => c.code));
    const address = fleet.smaData1?.addresses[0] || 1;
    for (const r of requests) {
      assert.ok(codes.has(r.command), `command ${r.command}`);
      assert.ok(r.broadcast || r.destination === address, `to ${r.destination}`);
    }
  });

  it('refuses every malformed command, control code outside the table or unknown target with an error', () => {
    const refused = errors.get('n-xw-command') ?? [];
    assert.equal(refused.length, hostileMessages().length, `xw-command errors: ${refused.length} for ${hostileMessages().length} messages`);
    for (const e of refused) assert.ok(e.length > 10 && !/undefined|\[object/.test(e), `a clear message: ${e}`);
  });

  it('refuses a code of the default table that this node’s own table lacks, runs the one it has', async () => {
    const node = helper.getNode('n-xw-command-10');
    const before = errors.get('n-xw-command-10')?.length ?? 0;
    node?.receive({ payload: 0, _msgid: 'code-0' });
    // ended (refused) is the barrier: what the node does with a message comes before its done(err)
    const refusedBy = Date.now() + 10000;
    while (!ended.has('code-0') && Date.now() < refusedBy) await sleep(10);
    assert.ok(ended.has('code-0'), 'code 0 ended');
    const refusal = (errors.get('n-xw-command-10') ?? []).slice(before);
    assert.equal(refusal.length, 1);
    assert.match(refusal[0], /unknown control code 0.*10 rest/);
    const sim = fleet.xw?.sim;
    assert.equal((fleet.xw?.units ?? []).reduce((n, u) => n + (sim?.writeCount(u) ?? 0), 0), 0, 'nothing written for code 0');

    node?.receive({ payload: 10 });
    const until = Date.now() + 10000;
    while (reports.length === 0 && Date.now() < until) await sleep(20);
    assert.equal(reports.length, 1, 'a report for code 10');
    const writable = new Set(COMMANDS.rest.writes.map((w) => XW_TABLE.field(w.field).address));
    const writes = sim?.requests.filter((r) => r.functionCode === 6 || r.functionCode === 16) ?? [];
    assert.ok(writes.length > 0, 'code 10 wrote');
    for (const w of writes) for (let a = w.address as number; a < (w.address as number) + (w.count as number); a++) assert.ok(writable.has(a), `write to ${a}, not a field rest writes`);
  });
});
