import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CacheStore } from '../../lib/cache/cacheStore';
import { State } from '../../lib/cache/cacheSchema';
import { decodeMessage } from '../../lib/cache/messageCodec';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

/** What the stand-in database received: run, point number, the run of the Node-RED process that sent it. */
interface Arrival {
  phase: 1 | 2;
  run: string;
  n: number;
  cacheId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, what: string, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
};

/** Installs the stand-in database node into the user directory as a package, the way Node-RED finds nodes. */
function installSink(userDir: string): void {
  const dir = path.join(userDir, 'node_modules', 'cache-test-sink');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cache-test-sink', version: '1.0.0', 'node-red': { nodes: { 'cache-test-sink': 'sink.js' } } }));
  fs.writeFileSync(path.join(dir, 'sink.js'), `module.exports = require(${JSON.stringify(path.join(__dirname, 'httpSinkNode.js'))});\n`);
  fs.writeFileSync(
    path.join(dir, 'sink.html'),
    `<script type="text/javascript">RED.nodes.registerType('cache-test-sink', {category: 'function', defaults: {url: {value: ''}}, inputs: 1, outputs: 0});</script>\n`,
  );
}

describe('pv-cache across a kill -9 of Node-RED', function () {
  this.timeout(120000);
  let nr: NodeRedProcess | undefined;
  let server: http.Server;
  let userDir: string;
  let cacheDir: string;
  const cleanup: string[] = [];

  afterEach(async () => {
    await nr?.stop('SIGKILL');
    nr = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    for (const d of cleanup.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('re-sends nothing acknowledged and loses nothing pending', async () => {
    const arrivals: Arrival[] = [];
    let up = true;
    let phase: 1 | 2 = 1;
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (!up) {
          res.writeHead(503).end();
          return;
        }
        const b = JSON.parse(body) as { cacheId: string; payload: { run: string; n: number } };
        arrivals.push({ phase, run: b.payload.run, n: b.payload.n, cacheId: b.cacheId });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/write`;

    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-crash-nr-'));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-crash-db-'));
    cleanup.push(userDir, cacheDir, `${cacheDir}-copy`);
    installSink(userDir);
    const file = path.join(cacheDir, 'crash.sqlite');
    const flows = [
      { id: 'tab', type: 'tab', label: 'crash' },
      { id: 'tick', z: 'tab', type: 'inject', props: [{ p: 'payload' }], repeat: '0.02', crontab: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', wires: [['number']] },
      {
        id: 'number',
        z: 'tab',
        type: 'function',
        func: "const n = (context.get('n') || 0) + 1; context.set('n', n); msg.measurement = 'crash'; msg.payload = { run: env.get('RUN_ID'), n }; return msg;",
        outputs: 1,
        wires: [['cache']],
      },
      { id: 'cache', z: 'tab', type: 'pv-cache', name: '', path: file, retentionDays: 30, maxMB: 100, resendRate: 40, retryInterval: 0.2, ackTimeout: 10, rejectAfter: 0, stampTime: true, statsInterval: 0, wires: [['db'], [], []] },
      { id: 'db', z: 'tab', type: 'cache-test-sink', url, wires: [] },
      { id: 'ok', z: 'tab', type: 'complete', scope: ['db'], uncaught: false, wires: [['cache']] },
      { id: 'bad', z: 'tab', type: 'catch', scope: ['db'], uncaught: false, wires: [['cache']] },
    ];

    // Run 1: deliver, then an outage, then kill -9 while the backlog is being re-sent.
    nr = await startNodeRed({ flows, userDir, env: { RUN_ID: 'r1' } });
    await until(() => arrivals.length >= 30, 'first deliveries', 30000).catch((err: Error) => {
      throw new Error(`${err.message}\nNode-RED said:\n${nr?.output()}`);
    });
    up = false;
    await sleep(1000);
    up = true;
    const atRecovery = arrivals.length;
    await until(() => arrivals.length >= atRecovery + 8, 're-sending under way', 30000);
    await nr.stop('SIGKILL');
    nr = undefined;

    // What the cache file says now, read from a copy as a restart would find it.
    fs.cpSync(cacheDir, `${cacheDir}-copy`, { recursive: true });
    const store = CacheStore.open(path.join(`${cacheDir}-copy`, 'crash.sqlite'));
    const rows = store.rowsInRange(0, Number.MAX_SAFE_INTEGER / 2, undefined, 1000000);
    store.close();
    const stateOf = new Map<number, number>();
    for (const r of rows) {
      const p = decodeMessage(r.body).payload as { run: string; n: number };
      assert.equal(p.run, 'r1');
      stateOf.set(p.n, r.state);
    }
    const delivered = [...stateOf].filter(([, s]) => s === State.Delivered).map(([n]) => n);
    const pending = [...stateOf].filter(([, s]) => s === State.Pending).map(([n]) => n);
    assert.ok(delivered.length >= 30, `${delivered.length} delivered before the kill`);
    assert.ok(pending.length >= 5, `${pending.length} pending at the kill: the kill came too late to test anything`);
    for (const a of arrivals) assert.ok(stateOf.has(a.n), `point ${a.n} reached the database but was not in the cache file: forwarded before it was stored`);

    // Run 2: the same user directory and cache file.
    phase = 2;
    nr = await startNodeRed({ flows, userDir, env: { RUN_ID: 'r2' } });
    const run1InPhase2 = (): Arrival[] => arrivals.filter((a) => a.phase === 2 && a.run === 'r1');
    await until(() => pending.every((n) => run1InPhase2().some((a) => a.n === n)), 'every pending point re-sent after the restart', 60000);
    await until(() => arrivals.some((a) => a.phase === 2 && a.run === 'r2'), 'the restarted flow storing and forwarding new points', 30000);
    await nr.stop('SIGTERM');
    nr = undefined;

    const resent = run1InPhase2().map((a) => a.n);
    const deliveredSet = new Set(delivered);
    const twice = resent.filter((n) => deliveredSet.has(n));
    assert.deepEqual(twice, [], 'acknowledged points re-sent after the restart');
    assert.deepEqual([...resent].sort((a, b) => a - b), [...pending].sort((a, b) => a - b), 'each pending point re-sent exactly once');
    assert.deepEqual(resent, [...resent].sort((a, b) => a - b), 're-sent oldest first');
    assert.ok(arrivals.some((a) => a.phase === 2 && a.run === 'r2'), 'the restarted flow goes on storing and forwarding');
  });
});
