/**
 * The sma-inverter password is a Node-RED credential: deployed through the real runtime's admin
 * API, it is neither in the flows the editor gets back (the export) nor in the flow file, and the
 * credentials endpoint says only that one is set.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

const SECRET = 'geheim-7391';

describe('sma-inverter: the password is a credential (real Node-RED)', function () {
  this.timeout(60000);
  let nr: NodeRedProcess | undefined;

  after(async () => {
    await nr?.stop();
  });

  it('is not in the exported flow nor the flow file, and the editor learns only that it is set', async () => {
    nr = await startNodeRed({});
    const flow = [
      { id: 'tab1', type: 'tab', label: 'sma' },
      { id: 'sma1', type: 'sma-inverter', name: 'garage', transport: 'speedwire', host: '127.0.0.1', port: 9, group: 'user', sleepAfter: 3, probeInterval: 60, credentials: { password: SECRET } },
      { id: 'read', type: 'sma-read', z: 'tab1', name: '', inverters: ['sma1'], interval: 0, shape: 'fields', measurement: 'sma', statusMeasurement: 'sma_communication', tags: '{}', wires: [[], [], []] },
    ];
    const deploy = await fetch(`${nr.url}/flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flow) });
    assert.equal(deploy.status, 204, await deploy.text());
    const exported = await (await fetch(`${nr.url}/flows`)).text();
    assert.ok(exported.includes('"sma-inverter"'), 'the config node is in the flows');
    assert.ok(!exported.includes(SECRET), 'the password is not in the exported flows');
    const creds = (await (await fetch(`${nr.url}/credentials/sma-inverter/sma1`)).json()) as Record<string, unknown>;
    assert.deepEqual(creds, { has_password: true });
    // the flow file a user copies or commits; the password goes to the credentials file beside it
    const files = fs.readdirSync(nr.userDir);
    const flowFile = files.find((f) => /^flows.*\.json$/.test(f) && !f.includes('_cred'));
    assert.ok(flowFile && files.some((f) => f.includes('_cred')), `a flow file and a credentials file: ${files.join(', ')}`);
    assert.ok(!fs.readFileSync(path.join(nr.userDir, flowFile), 'utf8').includes(SECRET), 'not in the flow file');
  });
});
