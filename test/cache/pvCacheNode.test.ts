import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { Database } from 'node-sqlite3-wasm';
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { helper } from '../support/nodeRed';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pvCache = require('../../nodes/pv-cache/pv-cache') as (RED: NodeAPI) => void;

type Msg = NodeMessage & Record<string, unknown>;

/** A stand-in database node: records what it gets; answers done() or done(err) as the test says. */
const db = { up: true, received: [] as Msg[] };
function testDbNode(RED: NodeAPI): void {
  RED.nodes.registerType('cache-test-db', function (this: Node, config: Record<string, unknown>) {
    RED.nodes.createNode(this, config as never);
    this.on('input', (msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
      db.received.push(msg as Msg);
      // decided on arrival, so every message received after db.up is set succeeds
      const up = db.up;
      setImmediate(() => (up ? done() : done(new Error('connect ECONNREFUSED 127.0.0.1:8086'))));
    });
  } as never);
}

const until = async (cond: () => boolean, what: string, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('pv-cache node', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-node-'));
    db.up = true;
    db.received = [];
  });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // The helper's RED._ returns the key, so status and node texts show as keys here; lib errors are plain text.

  /** in → cache → db; complete and catch on db wired back; cache outputs 2 and 3 to helper nodes. */
  const flow = (cache: Record<string, unknown> = {}) => [
    { id: 'cache', type: 'pv-cache', name: 'local', path: path.join(dir, 'c.sqlite'), retryInterval: 0.1, resendRate: 1000, statsInterval: 0, wires: [['db'], ['stats'], ['query']], ...cache },
    { id: 'db', type: 'cache-test-db', wires: [] },
    { id: 'ok', type: 'complete', scope: ['db'], wires: [['cache']] },
    { id: 'bad', type: 'catch', scope: ['db'], uncaught: false, wires: [['cache']] },
    { id: 'stats', type: 'helper' },
    { id: 'query', type: 'helper' },
  ];
  const load = async (cache: Record<string, unknown> = {}) => {
    await helper.load([pvCache, testDbNode], flow(cache));
    return helper.getNode('cache')!;
  };
  const seqs = (): number[] => db.received.map((m) => (m.payload as { seq: number }).seq);
  const nextMessage = (id: string): Promise<Msg> => new Promise((resolve) => helper.getNode(id)!.once('input', (m: NodeMessage) => resolve(m as Msg)));
  /** The next done(err) of the cache: Node-RED logs it through node.error(err, msg), which a catch node would get. */
  const nextError = (): Promise<string> =>
    new Promise((resolve) => {
      const cache = helper.getNode('cache') as unknown as EventEmitter;
      const onError = (call: { args: unknown[] }): void => {
        if (call.args[1] === undefined) return; // logged without a message: not an input's done(err)
        cache.removeListener('call:error', onError);
        resolve(String(call.args[0]));
      };
      cache.on('call:error', onError);
    });

  it('stores, forwards, and marks delivered when the complete node answers', async () => {
    const cache = await load();
    const statuses: Record<string, unknown>[] = [];
    (cache as unknown as EventEmitter).on('call:status', (call: { args: Record<string, unknown>[] }) => statuses.push(call.args[0]));
    for (let seq = 1; seq <= 3; seq++) cache.receive({ measurement: 'pv', payload: { seq } } as never);
    await until(() => db.received.length === 3, 'forwarded');
    assert.deepEqual(seqs(), [1, 2, 3]);
    assert.match(String(db.received[0]._cacheId), /^cache:\d+$/);
    assert.ok((db.received[0].payload as { time: unknown }).time instanceof Date, 'arrival time stamped as InfluxDB time');
    const stats = nextMessage('stats');
    cache.receive({ cacheQuery: 'stats' } as never);
    const s = await stats;
    assert.equal(s.measurement, 'system');
    const [fields, tags] = s.payload as [Record<string, unknown>, Record<string, string>];
    assert.deepEqual(tags, { cache: 'local' });
    await until(() => helper.getNode('cache') !== undefined && db.received.length === 3, 'settled');
    assert.equal(fields.cache_online, true);
    await until(() => statuses.some((st) => st.fill === 'green' && st.text === 'pv-cache.status.delivered'), 'green status');
  });

  it('keeps failed messages pending, shows it, and re-sends them oldest first once the database answers, never a delivered one', async () => {
    const cache = await load();
    const statuses: Record<string, unknown>[] = [];
    (cache as unknown as EventEmitter).on('call:status', (call: { args: Record<string, unknown>[] }) => statuses.push(call.args[0]));
    cache.receive({ measurement: 'pv', payload: { seq: 1 } } as never);
    await until(() => db.received.length === 1, 'first delivered');
    await new Promise((r) => setTimeout(r, 20));
    db.up = false;
    for (let seq = 2; seq <= 6; seq++) cache.receive({ measurement: 'pv', payload: { seq } } as never);
    await until(() => db.received.length >= 4, 'failing probes');
    await until(() => statuses.some((st) => st.fill === 'yellow' && st.shape === 'ring' && st.text === 'pv-cache.status.waiting'), 'yellow status');
    db.up = true;
    const before = db.received.length;
    await until(() => seqs().slice(before).includes(6), 'drained');
    const after = seqs().slice(before);
    // The probe that found the database back was the oldest pending or, after 5 failures of the
    // oldest, the second oldest; the backlog follows oldest first.
    assert.deepEqual(after.filter((s, i) => after.indexOf(s) === i), after, 'nothing sent twice once the database answers');
    assert.ok(after[0] === 2 || after[0] === 3, `first after the outage: ${after[0]}`);
    assert.deepEqual(after.slice(1), [2, 3, 4, 5, 6].filter((s) => s !== after[0]), 'then oldest first');
    assert.ok(!seqs().slice(1).includes(1), 'the delivered message was never re-sent');
    const all = new Set(seqs());
    assert.deepEqual([...all].sort(), [1, 2, 3, 4, 5, 6]);
  });

  it('refuses a message that cannot be stored with a clear error, and stores nothing', async () => {
    const cache = await load();
    const err = nextError();
    const circular: Record<string, unknown> = { seq: 1 };
    circular.self = circular;
    cache.receive({ measurement: 'pv', payload: circular } as never);
    assert.match(await err, /msg\.payload\.self: a reference back to msg\.payload \(a cycle\) cannot be stored in the cache/);
    const fn = nextError();
    cache.receive({ payload: { v: 1 }, callback: () => 1 } as never);
    assert.match(await fn, /msg\.callback: a function cannot be stored/);
    // the stats answer comes from the worker after everything asked before it: nothing was stored, nothing sent
    const stats = nextMessage('stats');
    cache.receive({ cacheQuery: 'stats' } as never);
    assert.equal(((await stats).payload as [Record<string, number>])[0].cache_pending, 0);
    assert.equal(db.received.length, 0);
  });

  it('answers a query on output 3, and refuses an unknown query with a clear error', async () => {
    const cache = await load();
    const t0 = Date.now() - 60000;
    for (let i = 0; i < 3; i++) cache.receive({ measurement: 'pv', payload: [{ p_ac: 100 * i, time: new Date(t0 + i * 1000) }, { unit: String(i) }] } as never);
    cache.receive({ measurement: 'system', payload: { up: 1 } } as never);
    await until(() => db.received.length === 4, 'stored');
    const answer = nextMessage('query');
    cache.receive({ topic: 'chart', cacheQuery: { from: '-1h', measurement: 'pv', field: 'p_ac' } } as never);
    const a = await answer;
    assert.equal(a.topic, 'chart');
    assert.deepEqual(a.payload, [
      { unit: '0', time: t0, value: 0 },
      { unit: '1', time: t0 + 1000, value: 100 },
      { unit: '2', time: t0 + 2000, value: 200 },
    ]);
    assert.equal(a.truncated, false);
    assert.equal(db.received.length, 4, 'a query is never forwarded to the database');

    const err = nextError();
    cache.receive({ cacheQuery: 'everything' } as never);
    assert.match(await err, /unknown query "everything": msg\.cacheQuery is "stats" or an object/);
    const err2 = nextError();
    cache.receive({ cacheQuery: { since: '-1h' } } as never);
    assert.match(await err2, /unknown query property "since"/);
  });

  it('ignores a catch message about its own error instead of looping', async () => {
    await helper.load(
      [pvCache, testDbNode],
      [
        { id: 'cache', type: 'pv-cache', path: path.join(dir, 'c.sqlite'), statsInterval: 0, wires: [['db'], [], []] },
        { id: 'db', type: 'cache-test-db', wires: [] },
        // a catch on every node, wired back: it also catches the cache's own errors
        { id: 'all', type: 'catch', wires: [['cache']] },
      ],
    );
    const cache = helper.getNode('cache')!;
    const warnings: unknown[] = [];
    (cache as unknown as EventEmitter).on('call:warn', (call: { args: unknown[] }) => warnings.push(call.args[0]));
    cache.receive({ payload: { bad: NaN } } as never);
    await until(() => warnings.length > 0, 'warning');
    // a barrier instead of a wait: a good message behind it stored and forwarded, so the error's round
    // through the catch node has ended (a loop would have warned again before it)
    cache.receive({ measurement: 'pv', payload: { seq: 9 } } as never);
    await until(() => db.received.length === 1, 'the good message after it forwarded');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]), /pv-cache\.warn\.ownError: UnstorableMessageError: msg\.payload\.bad: NaN \(not a finite number\) cannot be stored in the cache$/);
    assert.deepEqual(seqs(), [9], 'the unstorable message was not forwarded');
  });

  it('reports a cache file it cannot open, and refuses input with the reason', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const cache = await load({ path: path.join(blocker, 'c.sqlite') });
    const err = nextError();
    cache.receive({ payload: 1 } as never);
    assert.match(await err, /pv-cache\.error\.notOpen: cannot open cache file .*not-a-dir\/c\.sqlite: EEXIST/);
  });

  it('reports an error of the file inside the worker as done(err) naming the cause, and goes on once it is gone', async () => {
    const file = path.join(dir, 'c.sqlite');
    const cache = await load({ path: file });
    cache.receive({ measurement: 'pv', payload: { seq: 1 } } as never);
    await until(() => db.received.length === 1, 'first stored and forwarded');
    // another program holds the file's write lock
    const other = new Database(file);
    // the worker may be writing this instant (the first message's acknowledgement): wait for the lock as another program would
    await until(() => {
      try {
        other.exec('BEGIN EXCLUSIVE');
        return true;
      } catch (e) {
        if (!/database is locked/.test(String(e))) throw e;
        return false;
      }
    }, 'the exclusive lock taken');
    try {
      const err = nextError();
      cache.receive({ measurement: 'pv', payload: { seq: 2 } } as never);
      assert.match(await err, new RegExp(`cache file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: database is locked`));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    cache.receive({ measurement: 'pv', payload: { seq: 3 } } as never);
    await until(() => db.received.length === 2, 'stored and forwarded after the lock is gone');
    // forwarding keeps the order of the puts: seq 2, not stored, was never forwarded
    assert.deepEqual(seqs(), [1, 3]);
  });

  it('forwards in the order received and calls done() in that order, each once the file holds it', async () => {
    // a complete node on the cache itself (instead of the one on db: the helper loads a core node once per use): it hears each done()
    await helper.load(
      [pvCache, testDbNode],
      [
        ...flow().filter((n) => n.id !== 'ok'),
        { id: 'cacheDone', type: 'complete', scope: ['cache'], wires: [['completed']] },
        { id: 'completed', type: 'helper' },
      ],
    );
    const cache = helper.getNode('cache')!;
    const completed: number[] = [];
    helper.getNode('completed')!.on('input', (m: NodeMessage) => {
      const payload = (m as Msg).payload as { seq?: number };
      if (payload.seq !== undefined) completed.push(payload.seq);
    });
    for (let seq = 1; seq <= 20; seq++) cache.receive({ measurement: 'pv', payload: { seq } } as never);
    await until(() => completed.length === 20 && db.received.length === 20, 'all stored, forwarded and done');
    const inOrder = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.deepEqual(seqs(), inOrder, 'forwarded in the order received');
    assert.deepEqual(completed, inOrder, 'done() in the order received');
    await helper.unload();
    // what done() promised is in the file: read by another connection once the cache is closed
    const reader = new Database(path.join(dir, 'c.sqlite'));
    try {
      assert.equal(Number((reader.get('SELECT count(*) AS n FROM messages') as { n: number }).n), 20);
    } finally {
      reader.close();
    }
  });

  it('leaves no timer and no thread behind when it is closed; its worker ends by itself', async () => {
    // Timers and worker threads created by the cache's code, from creation until cleared, run or exited.
    const ours = new Map<number, { type: string; stack: string }>();
    const hook = createHook({
      init(id, type) {
        if (type !== 'Timeout' && type !== 'WORKER') return;
        const stack = new Error().stack ?? '';
        if (/[/\\](lib[/\\]cache|nodes[/\\]pv-cache)[/\\]/.test(stack)) ours.set(id, { type, stack });
      },
      destroy(id) {
        ours.delete(id);
      },
    }).enable();
    try {
      const cache = await load({ statsInterval: 1, ackTimeout: 0.5 });
      const warnings: unknown[] = [];
      (cache as unknown as EventEmitter).on('call:warn', (call: { args: unknown[] }) => warnings.push(call.args[0]));
      cache.receive({ payload: { seq: 1 } } as never);
      db.up = false;
      cache.receive({ payload: { seq: 2 } } as never);
      await until(() => db.received.length === 2, 'sent');
      const types = [...ours.values()].map((r) => r.type);
      assert.ok(types.includes('Timeout'), 'the cache runs timers while deployed');
      assert.deepEqual(types.filter((t) => t === 'WORKER'), ['WORKER'], 'one worker thread owns the file');
      await helper.unload();
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual([...ours.values()].map((r) => `${r.type}: ${r.stack}`), [], 'timers or threads left after close');
      // The worker was not terminated: it ended once its file was closed, so no timer of the forwarder was left in it.
      assert.deepEqual(warnings.filter((w) => /terminated/.test(String(w))), []);
    } finally {
      hook.disable();
    }
  });

  it('finds its worker script in dist/, which the package ships', () => {
    const root = path.join(__dirname, '..', '..', '..');
    const script = path.join(__dirname, '..', '..', 'lib', 'cache', 'cacheWorker.js');
    assert.ok(fs.existsSync(script), `${script} built`);
    const files = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
    const shipped = path.relative(root, script).split(path.sep).join('/');
    assert.ok(files.some((f) => shipped.startsWith(f.replace(/\/?$/, '/')) || shipped === f), `${shipped} not in package.json files: ${files.join(', ')}`);
  });

  it('closes within the deploy: a redeploy reopens the same file with its pending messages', async () => {
    db.up = false;
    let cache = await load({ retryInterval: 60 });
    for (let seq = 1; seq <= 3; seq++) cache.receive({ measurement: 'pv', payload: { seq } } as never);
    await until(() => db.received.length === 3, 'sent and failed');
    await helper.unload();
    db.up = true;
    db.received = [];
    cache = await load();
    await until(() => db.received.length === 3, 're-sent after the redeploy');
    assert.deepEqual(seqs(), [1, 2, 3]);
  });
});
