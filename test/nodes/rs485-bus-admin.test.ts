import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

// bcryptjs comes with Node-RED (its adminAuth hashes); used here only to write a test user.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require('bcryptjs') as { hashSync(s: string, rounds: number): string };

async function getPorts(nr: NodeRedProcess, token?: string): Promise<{ status: number; body: { ports?: unknown[]; reason?: string } | null }> {
  const res = await fetch(`${nr.url}/rs485-bus/ports`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, body: res.status === 200 ? (JSON.parse(text) as { ports?: unknown[]; reason?: string }) : null };
}

describe('rs485-bus admin endpoint (port list) in a real Node-RED', function () {
  this.timeout(90000);
  let nr: NodeRedProcess | undefined;

  afterEach(async () => {
    await nr?.stop();
    nr = undefined;
  });

  it('needs permission when adminAuth is set: refused without a token, answered with one', async () => {
    nr = await startNodeRed({
      settings: { adminAuth: { type: 'credentials', users: [{ username: 'admin', password: bcrypt.hashSync('secret-pass', 8), permissions: '*' }] } },
    });
    const refused = await getPorts(nr);
    assert.equal(refused.status, 401);
    const tokenRes = await fetch(`${nr.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'secret-pass' }),
    });
    assert.equal(tokenRes.status, 200);
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const answered = await getPorts(nr, token);
    assert.equal(answered.status, 200);
    assert.ok(Array.isArray(answered.body?.ports));
  });

  it('answers with an empty list and a reason where udevadm is missing, and the runtime survives', async () => {
    // a PATH without udevadm (serialport's list() would crash the process there)
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-path-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    try {
      nr = await startNodeRed({ env: { PATH: bin } });
      const res = await getPorts(nr);
      assert.equal(res.status, 200);
      assert.match(String(res.body?.reason), /udevadm/);
      assert.ok(Array.isArray(res.body?.ports));
      // still alive
      const again = await getPorts(nr);
      assert.equal(again.status, 200);
      assert.equal(nr.child.exitCode, null);
    } finally {
      await nr?.stop();
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
