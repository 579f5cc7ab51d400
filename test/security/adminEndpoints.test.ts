/**
 * Every admin HTTP endpoint the package registers needs permission (issue 7): in a real Node-RED
 * with adminAuth on, each is refused without a token and to a user lacking the permission, and
 * answered with a token that has it. The endpoints are found in the built node files
 * (`RED.httpAdmin.<method>('<path>'`), so a new one is covered without touching this test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

// bcryptjs comes with Node-RED (its adminAuth hashes); used here only to write test users.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require('bcryptjs') as { hashSync(s: string, rounds: number): string };

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PASSWORD = 'secret-pass';

interface Endpoint {
  type: string;
  method: string;
  path: string;
  /** the permission its code asks for, e.g. xw-inverter.read */
  permission: string | null;
}

/** The endpoints in the node files the package registers (package.json node-red.nodes). */
function registeredEndpoints(): { endpoints: Endpoint[]; unregistered: string[] } {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const registered = pkg['node-red'].nodes;
  const endpoints: Endpoint[] = [];
  const pattern = /httpAdmin\.(get|post|put|delete)\(\s*['"`]([^'"`]+)['"`]\s*,\s*(?:RED\.auth\.needsPermission\(\s*['"`]([^'"`]+)['"`]\s*\))?/g;
  for (const [type, file] of Object.entries(registered)) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of source.matchAll(pattern)) endpoints.push({ type, method: m[1].toUpperCase(), path: m[2], permission: m[3] ?? null });
  }
  // node folders with an admin endpoint whose type is not registered (yet): reported, not testable in a real runtime
  const unregistered = fs
    .readdirSync(path.join(ROOT, 'dist', 'nodes'))
    .filter((t) => !(t in registered) && fs.existsSync(path.join(ROOT, 'dist', 'nodes', t, `${t}.js`)))
    .filter((t) => /httpAdmin\./.test(fs.readFileSync(path.join(ROOT, 'dist', 'nodes', t, `${t}.js`), 'utf8')));
  return { endpoints, unregistered };
}

async function token(nr: NodeRedProcess, username: string, scope: string): Promise<string> {
  const res = await fetch(`${nr.url}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `token for ${username}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(nr: NodeRedProcess, e: Endpoint, bearer?: string): Promise<number> {
  const res = await fetch(`${nr.url}${e.path}`, { method: e.method, headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
  await res.arrayBuffer();
  return res.status;
}

describe('security: admin endpoints need permission (real Node-RED, adminAuth on)', function () {
  this.timeout(90000);
  const { endpoints, unregistered } = registeredEndpoints();
  let nr: NodeRedProcess | undefined;

  before(async () => {
    const hash = bcrypt.hashSync(PASSWORD, 8);
    nr = await startNodeRed({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: hash, permissions: '*' },
            { username: 'reader', password: hash, permissions: 'read' },
            // may read flows and nothing else
            { username: 'flows-only', password: hash, permissions: ['flows.read'] },
          ],
        },
      },
    });
  });

  after(async () => {
    await nr?.stop();
  });

  it('finds the endpoints, each guarded by RED.auth.needsPermission in its code', () => {
    assert.ok(endpoints.length >= 1, 'at least the port list');
    if (unregistered.length) process.stderr.write(`      node types with admin endpoints not registered in package.json (not loaded by Node-RED): ${unregistered.join(', ')}\n`);
    for (const e of endpoints) assert.ok(e.permission, `${e.method} ${e.path} (${e.type}) is registered without RED.auth.needsPermission`);
  });

  it('refuses every endpoint without a token', async () => {
    for (const e of endpoints) assert.equal(await call(nr as NodeRedProcess, e), 401, `${e.method} ${e.path} without a token`);
  });

  it('refuses a user without the permission, answers one with it (a write endpoint: not a read-only user)', async () => {
    const server = nr as NodeRedProcess;
    const [admin, reader, flowsOnly] = [await token(server, 'admin', '*'), await token(server, 'reader', 'read'), await token(server, 'flows-only', 'flows.read')];
    for (const e of endpoints) {
      const denied = await call(server, e, flowsOnly);
      assert.ok(denied === 401 || denied === 403, `${e.method} ${e.path} for a flows.read user: ${denied}`);
      // answered: not refused, and the route exists (a scan without a deployed bus answers with a reason);
      // an endpoint that asks for <type>.write (a logon test sends a password to a device) refuses a read-only user
      const writes = e.permission?.endsWith('.write') === true;
      for (const [who, t] of [['admin', admin], ['reader', reader]] as const) {
        const status = await call(server, e, t);
        if (writes && who === 'reader') assert.ok(status === 401 || status === 403, `${e.method} ${e.path} (${e.permission}) as a read-only user: ${status}`);
        else assert.ok(status !== 401 && status !== 403 && status !== 404, `${e.method} ${e.path} as ${who}: ${status}`);
      }
    }
  });

  it('keeps the runtime alive through it all', () => {
    assert.equal(nr?.child.exitCode, null);
  });
});
