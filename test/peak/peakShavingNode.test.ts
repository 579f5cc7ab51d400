/** The xw-peak-shaving node in a real Node-RED runtime (test helper): routing, output, errors. */
import assert from 'node:assert/strict';
import xwPeakShavingNode from '../../nodes/xw-peak-shaving/xw-peak-shaving';
import { helper } from '../support/nodeRed';

type Msg = Record<string, unknown>;
interface TestNode {
  receive(msg: Msg): void;
  on(e: 'input' | 'call:error', f: (m: Msg) => void): void;
}

describe('xw-peak-shaving node', function () {
  afterEach(() => helper.unload());

  const flow = (props: Msg = {}): Parameters<typeof helper.load>[1] => [
    { id: 'p', type: 'xw-peak-shaving', name: 'peak', sellAbove: 2000, stopBelow: 1500, minGap: 0, wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
  ];

  it('sells on a summary whose load is above the threshold, with the reason and figures', async function () {
    await helper.load(xwPeakShavingNode as Parameters<typeof helper.load>[0], flow());
    const out = helper.getNode('out') as unknown as TestNode;
    const got = new Promise<Msg>((r) => out.on('input', r));
    (helper.getNode('p') as unknown as TestNode).receive({ payload: { ac1_power: 3000, battery_voltage: 53, battery_power: 0, units_ok: 3, units_total: 3 } });
    const msg = await got;
    assert.equal(msg.payload, 'start-sell');
    assert.equal(msg.reason, 'peak');
    assert.equal(msg.load_power, 3000);
  });

  it('refuses a payload it cannot read, naming what it takes', async function () {
    await helper.load(xwPeakShavingNode as Parameters<typeof helper.load>[0], flow());
    const node = helper.getNode('p') as unknown as TestNode;
    const err = new Promise<Msg>((r) => node.on('call:error', r));
    node.receive({ payload: 'lots' });
    const call = (await err) as unknown as { firstArg: unknown };
    assert.match(String(call.firstArg), /grid power in W/);
  });

  it('a bad setting puts the node in error and refuses input', async function () {
    await helper.load(xwPeakShavingNode as Parameters<typeof helper.load>[0], flow({ stopBelow: 2500 }));
    const node = helper.getNode('p') as unknown as TestNode;
    const err = new Promise<Msg>((r) => node.on('call:error', r));
    node.receive({ payload: 100 });
    assert.match(String(((await err) as unknown as { firstArg: unknown }).firstArg), /hysteresis/);
  });
});
