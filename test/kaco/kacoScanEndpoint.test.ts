import * as assert from 'node:assert/strict';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';
import { KacoSim } from '../../lib/sim/kacoSim';
import { busPropsFor } from './kacoFlow';

// bcryptjs comes with Node-RED (its adminAuth hashes); used here only to write a test user.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require('bcryptjs') as { hashSync(s: string, rounds: number): string };

interface ScanAnswer {
  inverters: { address: number; type: string }[];
  reason: string;
}

describe('kaco-inverter scan endpoint in a real Node-RED with adminAuth', function () {
  this.timeout(120000);
  let nr: NodeRedProcess | undefined;
  let sim: KacoSim | undefined;

  afterEach(async () => {
    await nr?.stop();
    nr = undefined;
    await sim?.close();
    sim = undefined;
  });

  it('refuses without a token; with one, finds the inverters answering on the deployed bus', async () => {
    sim = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }, { address: 3, protocol: 'generic' }], latencyMs: 20, timeOfDay: () => 12 });
    nr = await startNodeRed({
      settings: { adminAuth: { type: 'credentials', users: [{ username: 'admin', password: bcrypt.hashSync('secret-pass', 8), permissions: '*' }] } },
      flows: [{ id: 'bus1', type: 'rs485-bus', name: 'kaco line', timeout: 1000, pause: 0, deadline: 30000, trace: false, ...busPropsFor(sim) }],
    });
    const url = `${nr.url}/kaco-inverter/scan?bus=bus1&from=1&to=3`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal(sim.requests.length, 0, 'a refused scan sends nothing');
    const tokenRes = await fetch(`${nr.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'secret-pass' }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as ScanAnswer;
    assert.deepEqual(body.inverters, [
      { address: 1, type: '5000xi' },
      { address: 3, type: '086L32' },
    ]);
    assert.deepEqual(
      sim.requests.map((r) => `${r.address}/${r.command}`),
      ['1/9', '2/9', '3/9'],
    );
    const bad = await fetch(`${nr.url}/kaco-inverter/scan?bus=bus1&from=0&to=40`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(bad.status, 400);
    const undeployed = (await (await fetch(`${nr.url}/kaco-inverter/scan?bus=nope`, { headers: { Authorization: `Bearer ${token}` } })).json()) as ScanAnswer;
    assert.match(undeployed.reason, /deploy the bus first/);
  });
});
