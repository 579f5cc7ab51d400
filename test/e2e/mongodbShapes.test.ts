/**
 * Example 1 (XW → MongoDB) against the XW simulator, with node-red-node-mongodb's real nodes
 * (mongodb, mongodb in, mongodb out, as shipped) over an in-memory store in place of the server
 * (test/mongo/memoryMongo.ts replaces only the driver's connect). So the nodes' own message
 * handling decides: which collection (msg.collection when the node names none), find with
 * selector, sort and limit, update with msg.query's hex _id turned into an ObjectId, insert of
 * the payload; every document goes through the driver's BSON. When MONGODB_URL is set, example 1
 * runs in a real Node-RED against that server too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_XW, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import xwCommandNode from '../../nodes/xw-command/xw-command';
import xwInverterNode from '../../nodes/xw-inverter/xw-inverter';
import xwPollNode from '../../nodes/xw-poll/xw-poll';
import { helper } from '../support/nodeRed';
import { waitFor } from '../support/waitFor';
import { MemoryMongo, MONGO_PACKAGE, type Doc } from '../mongo/memoryMongo';
import { coreNodesDir } from './support/runtimePath';
import { startNodeRed } from '../support/nodeRedProcess';
import { mongoFromUrl, prepareExample, readExample, type TestServers } from './support/exampleFlows';
import { deployFlows } from './support/runtimeAdmin';

const EXAMPLE = '1 XW to MongoDB.json';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('MongoDB: example 1 through node-red-node-mongodb\'s real nodes, against the XW simulator (e2e)', function () {
  this.timeout(60000);
  let fleet: SimFleet;
  const mongo = new MemoryMongo();
  let crit: Doc;
  let ctl: Doc;
  let refused: Doc;

  before(async function () {
    fleet = await startSimFleet({ host: '127.0.0.1', xw: { ...DEFAULT_XW, switchDelayMs: 100 } });
    // Control's start-sell and an unknown code wait, then CritControl's rest arrives: it must run first
    ctl = mongo.add('Control', { code: 3 });
    refused = mongo.add('Control', { code: 42 });
    crit = mongo.add('CritControl', { code: 0 });
    mongo.install();
    const servers = { fleet, influx: { host: '127.0.0.1', port: 1 }, mongo: { hostname: '127.0.0.1', port: '1', db: 'solar' }, internet: { host: '127.0.0.1', port: 1 }, serialPath: '/dev/null' } as TestServers;
    const flow = prepareExample(readExample(EXAMPLE), servers);
    assert.equal(flow.filter((n) => n.type === 'function').length, 0, 'example 1 has no function node');
    // the runtime's own core nodes (inject, switch, change …), by path: they are not packages
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const core = (p: string): unknown => require(path.join(coreNodesDir(), 'core', p)) as unknown;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mongoNodes = require(path.join(MONGO_PACKAGE, '66-mongodb.js')) as unknown;
    const ours = [rs485BusNode, xwInverterNode, xwPollNode, xwCommandNode];
    await helper.load([...ours, mongoNodes, core('common/20-inject.js'), core('common/90-comment.js'), core('function/10-switch.js'), core('function/15-change.js')] as Parameters<typeof helper.load>[0], flow as Parameters<typeof helper.load>[1]);
  });

  after(async function () {
    await helper.unload();
    mongo.uninstall();
    await fleet?.close();
  });

  it('readings and the summary reach Sensors (mongodb out insert) as documents with time, inverter, unit', async function () {
    await waitFor(() => mongo.collection('Sensors').length >= 4, 15000, 'four Sensors documents');
    const docs = mongo.collection('Sensors');
    for (const doc of docs) {
      assert.ok(doc.time instanceof Date, 'time is a BSON date');
      assert.equal(typeof doc.inverter, 'string');
      assert.ok(!('_msgid' in doc), 'payload only (payonly): no _msgid in the document');
    }
    assert.deepEqual([...new Set(docs.slice(0, 4).map((d) => d.inverter))].sort(), ['XW 1', 'XW 2', 'XW 3', 'all']);
    const unit = docs.find((d) => d.inverter === 'XW 1');
    assert.equal(unit?.unit, '10');
    assert.equal(typeof unit?.battery_voltage, 'number');
    assert.equal(docs.find((d) => d.inverter === 'all')?.units_ok, 3);
  });

  it('CritControl before Control; each document marked taken, then its verified report stored back into it', async function () {
    await waitFor(() => crit.done !== undefined && ctl.done !== undefined, 30000, 'both control documents done');
    const finds = mongo.calls.filter((c) => c.op === 'find');
    for (const f of finds) {
      assert.match(f.collection, /^(CritControl|Control)$/, 'mongodb in took msg.collection');
      assert.deepEqual(f.args.slice(0, 3), [{ taken: { $exists: false } }, { _id: 1 }, 1]);
    }
    const taken = mongo.calls.filter((c) => c.op === 'update' && (c.args[1] as { $set: Doc }).$set.report === undefined).map((c) => c.collection);
    assert.deepEqual(taken.slice(0, 2), ['CritControl', 'Control'], 'CritControl first');
    assert.equal(crit.ok, true);
    assert.equal((crit.report as { command: string }).command, 'rest');
    assert.match(String(crit.summary), /^rest: 3 of 3 units verified in \d+ ms$/);
    assert.equal((ctl.report as { command: string }).command, 'start-sell');
    assert.ok(crit.taken instanceof Date && ctl.taken instanceof Date);
    assert.ok((crit.done as Date) <= (ctl.taken as Date), 'rest finished before start-sell was taken');
    assert.deepEqual(
      (ctl.report as { units: { ok: boolean }[] }).units.map((u) => u.ok),
      [true, true, true],
    );
    const xw = fleet.xw;
    assert.ok(xw);
    for (const unit of xw.units) assert.deepEqual(xw.device.readHolding(unit, 73, 1), [1], `unit ${unit} selling`);
  });

  it('a refused code is recorded in its document with the reason, nothing written, and not read again', async function () {
    await waitFor(() => refused.done !== undefined, 30000, 'the refused document done');
    assert.equal(refused.ok, false);
    assert.match(String(refused.error), /42/, `the reason names the code: ${String(refused.error)}`);
    assert.ok(refused.taken instanceof Date, 'taken: the next read skips it');
    assert.equal(refused.report, undefined);
    const writesAfter = fleet.xw ? fleet.xw.units.map((u) => fleet.xw?.sim.writeCount(u)) : [];
    const findsAfter = mongo.calls.filter((c) => c.op === 'find').length;
    await waitFor(() => mongo.calls.filter((c) => c.op === 'find').length >= findsAfter + 4, 15000, 'two more rounds of reads');
    assert.deepEqual(fleet.xw ? fleet.xw.units.map((u) => fleet.xw?.sim.writeCount(u)) : [], writesAfter, 'nothing written since');
    const refusedId = (refused._id as { toHexString(): string }).toHexString();
    assert.equal(mongo.calls.filter((c) => c.op === 'update' && (c.args[0] as { _id: string })._id === refusedId).length, 1, 'one update: the refusal, never taken twice');
  });
});

const mongoUrl = process.env.MONGODB_URL;
describe('MongoDB: example 1 against MONGODB_URL (e2e)', function () {
  this.timeout(90000);
  it(`stores Sensors documents and serves CritControl before Control, storing the reports and a refusal back${mongoUrl ? '' : ' (pending: MONGODB_URL is not set)'}`, async function () {
    // pending with its reason, not an empty pass, when there is no server to run against
    if (!mongoUrl) this.skip();
    interface Collection {
      insertOne(doc: object): Promise<unknown>;
      find(q: object): { toArray(): Promise<Record<string, unknown>[]> };
      deleteMany(q: object): Promise<unknown>;
    }
    interface Client {
      db(name?: string): { collection(name: string): Collection; dropDatabase(): Promise<unknown> };
      close(): Promise<void>;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MongoClient } = require(require.resolve('mongodb', { paths: [MONGO_PACKAGE] })) as { MongoClient: { connect(url: string, o: object): Promise<Client> } };
    const target = mongoFromUrl(mongoUrl);
    const db = { ...target, db: `${target.db}-e2e-${process.pid}` };
    const client = await MongoClient.connect(mongoUrl.replace(/\/[^/?]*(\?|$)/, `/${db.db}$1`), { useUnifiedTopology: true });
    const fleet = await startSimFleet({ host: '127.0.0.1', xw: { ...DEFAULT_XW, switchDelayMs: 100 } });
    const nodeRed = await startNodeRed({ companions: ['node-red-node-mongodb'] });
    try {
      const d = client.db(db.db);
      await d.collection('Control').insertOne({ code: 3 });
      await d.collection('Control').insertOne({ code: 42 });
      await d.collection('CritControl').insertOne({ code: 0 });
      const servers = { fleet, influx: { host: '127.0.0.1', port: 1 }, mongo: db, internet: { host: '127.0.0.1', port: 1 }, serialPath: '/dev/null' } as TestServers;
      await deployFlows(nodeRed.url, prepareExample(readExample(EXAMPLE), servers));
      const end = Date.now() + 60000;
      let crit: Record<string, unknown>[] = [];
      let ctl: Record<string, unknown>[] = [];
      while (Date.now() < end) {
        crit = await d.collection('CritControl').find({}).toArray();
        ctl = await d.collection('Control').find({}).toArray();
        if (crit[0]?.done && ctl[0]?.done && ctl[1]?.done) break;
        await sleep(500);
      }
      assert.ok(crit[0]?.done && ctl[0]?.done && ctl[1]?.done, `control documents not done: ${JSON.stringify({ crit, ctl })}`);
      assert.ok((crit[0].done as Date) <= (ctl[0].taken as Date), 'CritControl served first');
      assert.equal((ctl[0].report as { command: string }).command, 'start-sell');
      assert.equal(ctl[1].ok, false);
      assert.match(String(ctl[1].error), /42/, 'the refusal is recorded with its reason');
      const sensors = await d.collection('Sensors').find({}).toArray();
      assert.ok(sensors.some((s) => s.inverter === 'all') && sensors.some((s) => s.inverter === 'XW 1'));
      await d.dropDatabase();
    } finally {
      await nodeRed.stop();
      fs.rmSync(nodeRed.userDir, { recursive: true, force: true });
      await fleet.close();
      await client.close();
    }
  });
});
