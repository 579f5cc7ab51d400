/**
 * Install paths without a network: a copy of the working tree with no dist/ (what a git clone
 * or `npm install <git url>` starts from) gets built by the `prepare` script on `npm pack`; the
 * tarball holds every node file package.json names, no source map that points at a file it does
 * not hold, and the unpacked package's nodes register with Node-RED.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** the files git would check out (tracked and new, not ignored) copied into `dir` */
function copyWorkingTree(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
}

describe('install paths: npm pack from an unbuilt clone', function () {
  this.timeout(300000);
  let tmp: string;
  let pack: PackResult;
  let unpacked: string;

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-pack-'));
    const clone = path.join(tmp, 'clone');
    copyWorkingTree(clone);
    assert.equal(fs.existsSync(path.join(clone, 'dist')), false, 'the copy starts without dist/');
    // the dependencies a git install would fetch, taken from here: no network
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    const out = execFileSync(NPM, ['pack', '--json', '--pack-destination', tmp], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    pack = (JSON.parse(out.slice(out.indexOf('['))) as PackResult[])[0];
    unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', path.join(tmp, pack.filename), '-C', unpacked]);
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds first: every node file package.json names is in the tarball, with its editor .html and locales', function () {
    const files = new Set(pack.files.map((f) => f.path));
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    for (const [type, js] of Object.entries(manifest['node-red'].nodes)) {
      assert.ok(files.has(js), `${js} packed`);
      assert.ok(files.has(js.replace(/\.js$/, '.html')), `${type}.html packed`);
      assert.ok(files.has(path.posix.join(path.posix.dirname(js), 'locales', 'en-US', `${type}.json`)), `${type} locale packed`);
    }
    assert.ok(![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/')), 'no tests or benchmarks packed');
  });

  it('every source map carries its sources (none points at a .ts file the tarball does not hold)', function () {
    const maps = pack.files.map((f) => f.path).filter((f) => f.endsWith('.map'));
    assert.ok(maps.length > 0);
    for (const m of maps) {
      const map = JSON.parse(fs.readFileSync(path.join(unpacked, 'package', m), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      assert.equal(map.sourcesContent?.length, map.sources.length, `${m}: sourcesContent`);
      assert.ok(map.sourcesContent.every((c) => typeof c === 'string' && c.length > 0), `${m}: every source inlined`);
    }
  });

  it('the unpacked package loads: each node file registers its type with Node-RED', function () {
    const script = `
      const path = require('node:path');
      const pkg = require(path.join(process.argv[1], 'package.json'));
      const registered = [];
      const RED = { nodes: { registerType: (t) => registered.push(t), createNode() {}, getNode() { return null; } },
        httpAdmin: { get() {}, post() {} }, auth: { needsPermission: () => (q, r, n) => n() }, _: (k) => k,
        settings: {}, log: { info() {}, warn() {}, error() {}, debug() {} }, events: { on() {}, removeListener() {} } };
      for (const file of Object.values(pkg['node-red'].nodes)) require(path.join(process.argv[1], file))(RED);
      process.stdout.write(JSON.stringify(registered.sort()));`;
    // dependencies from here, as npm would have installed them next to the package
    const out = execFileSync(process.execPath, ['-e', script, path.join(unpacked, 'package')], { encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });
    // every type the package declares, each registered by its own file
    const declared = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes).sort();
    assert.ok(declared.length >= 9, declared.join(', '));
    assert.deepEqual(JSON.parse(out), declared);
  });
});
