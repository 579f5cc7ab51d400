/**
 * `npm install <git url>` as a user would run it in a Node-RED user directory: npm clones the
 * repository, runs the `prepare` script there (installing the build tools), packs and installs
 * the result. The URL is file:// of a temporary git repository holding the working tree, so what
 * is tested is this tree; the dependencies come from the npm registry (or npm's cache), as for a
 * user. Then a real Node-RED starts on that user directory and every node type loads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NAME = '@solar-bus/node-red-inverters';

/** A git repository in `dir` with one commit of the working tree as it is (tracked and new files, not ignored ones). */
function gitSnapshot(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=test@localhost', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'snapshot');
}

describe('install paths: npm install from a git URL', function () {
  this.timeout(600000);
  let tmp: string;
  let userDir: string;
  let nr: NodeRedProcess | undefined;

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-git-'));
    const repo = path.join(tmp, 'repo');
    gitSnapshot(repo);
    userDir = path.join(tmp, 'node-red');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    try {
      execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${repo}`], { cwd: userDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`npm install git+file://… failed (it needs the npm registry or a warm npm cache for the build tools):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  });

  after(async function () {
    await nr?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs built: every node file package.json names is there (no "Cannot find module …/dist/nodes/…")', function () {
    const installed = path.join(userDir, 'node_modules', ...NAME.split('/'));
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    for (const js of Object.values(manifest['node-red'].nodes)) {
      assert.ok(fs.existsSync(path.join(installed, js)), `${js} installed`);
      assert.ok(fs.existsSync(path.join(installed, js.replace(/\.js$/, '.html'))), `${js} editor file installed`);
    }
    assert.equal(fs.lstatSync(installed).isSymbolicLink(), false, 'a real copy, not a link to this tree');
    assert.equal(fs.existsSync(path.join(installed, 'lib')), false, 'no TypeScript sources');
  });

  it('Node-RED loads every node type of the installed package, with no error', async function () {
    nr = await startNodeRed({ userDir });
    const res = await fetch(`${nr.url}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as { module: string; types: string[]; enabled: boolean; err?: string }[];
    const ours = sets.filter((s) => s.module === NAME);
    const declared = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes).sort();
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), declared);
    for (const s of ours) assert.ok(s.enabled && !s.err, `${s.types.join(', ')}: ${s.err ?? 'not enabled'}`);
    assert.doesNotMatch(nr.output(), /Cannot find module|Failed to register|\[node-red-inverters\].*Error/i);
    // the editor gets each node's definition (its .html next to the built .js)
    const editor = await (await fetch(`${nr.url}/nodes`, { headers: { Accept: 'text/html' } })).text();
    for (const type of declared) assert.ok(editor.includes(`registerType('${type}'`), `${type}: editor definition served`);
    const installedAt = fs.realpathSync(path.join(userDir, 'node_modules', ...NAME.split('/')));
    assert.ok(!installedAt.startsWith(ROOT), `Node-RED loaded the installed copy (${installedAt})`);
  });
});
