/**
 * The Flow Library's scorecard (node-red-dev validate), checked offline: the validator stops
 * when it cannot reach the Flow Library's catalogue, as on these machines. The rules are in
 * shared/reference/node-red.md; the npm registry answers "latest version" questions, and this
 * test fails loudly when it cannot be reached.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EXAMPLES_DIR, ROOT, exampleFiles, readExample } from './support/exampleFlows';
import { coreNodesDir, runtimePackage } from './support/runtimePath';

/** the part of semver used here */
interface SemVer {
  version: string;
}
interface Semver {
  satisfies(version: string | SemVer, range: string): boolean;
  minVersion(range: string): SemVer | null;
  major(version: string | SemVer): number;
}
// node-red's own semver (a dependency of the runtime under test, so always installed)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require(runtimePackage('semver')) as Semver;

interface PackageJson {
  name: string;
  license?: string;
  repository?: unknown;
  bugs?: unknown;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** Types that public packages already register (N01, P08); at least eight register "watchdog". */
const KNOWN_TAKEN_TYPES = ['watchdog'];

/** packages the Flow Library flags (deprecated or replaced) */
const KNOWN_BAD = ['node-red-dashboard', 'request', 'node-red-contrib-modbustcp'];

function npmView(name: string, fields: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('npm', ['view', name, ...fields, '--json'], { timeout: 60000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`npm registry unreachable or ${name} unknown: npm view ${name} failed: ${stderr || err.message}`));
      const parsed = JSON.parse(stdout) as unknown;
      // with one field present npm prints just its value
      resolve(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { [fields[0]]: parsed });
    });
  });
}

/** literal RED.nodes.registerType('type', {…}) calls in an editor file: type → object text */
function registerTypeCalls(html: string): Map<string, string> {
  const calls = new Map<string, string>();
  const re = /RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,\s*\{/g;
  for (let m = re.exec(html); m; m = re.exec(html)) calls.set(m[2], html.slice(m.index, m.index + 4000));
  return calls;
}

/** node types registered by the .html files under a directory (other packages, core nodes) */
function typesRegisteredUnder(dir: string): Set<string> {
  const types = new Set<string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'locales') walk(p);
      else if (e.isFile() && e.name.endsWith('.html')) for (const t of registerTypeCalls(fs.readFileSync(p, 'utf8')).keys()) types.add(t);
    }
  };
  walk(dir);
  return types;
}

describe('Flow Library scorecard, offline', function () {
  this.timeout(120000);
  const nodeTypes = fs
    .readdirSync(path.join(ROOT, 'nodes'))
    .filter((t) => fs.existsSync(path.join(ROOT, 'nodes', t, `${t}.html`)))
    .sort();
  const editorFile = (type: string): string => fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
  const isConfig = (type: string): boolean => /category\s*:\s*['"]config['"]/.test(registerTypeCalls(editorFile(type)).get(type) ?? '');

  it('P01 licence: a licence in package.json and a LICENSE file', function () {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')));
  });

  it('P03 repository or bugs', function () {
    assert.ok(pkg.repository || pkg.bugs);
  });

  it('P04 naming: scoped @scope/node-red-… (or node-red-contrib-…)', function () {
    assert.match(pkg.name, /^(@[a-z0-9-~][a-z0-9-._~]*\/node-red-[a-z0-9-._~]+|node-red-contrib-[a-z0-9-._~]+)$/);
  });

  it('P05 the node-red keyword', function () {
    assert.ok(pkg.keywords?.includes('node-red'));
  });

  describe('against the npm registry', function () {
    let nodeRedLatest: { version: string; engines?: { node?: string } };
    const deps = Object.entries(pkg.dependencies ?? {});
    const latest = new Map<string, { version: string; deprecated?: string }>();

    before(async function () {
      nodeRedLatest = (await npmView('node-red', ['version', 'engines'])) as typeof nodeRedLatest;
      for (const [name, info] of await Promise.all(deps.map(async ([name]) => [name, await npmView(name, ['version', 'deprecated'])] as const))) {
        latest.set(name, info as { version: string; deprecated?: string });
      }
    });

    it('P06 node-red.version admits the latest Node-RED', function () {
      const range = pkg['node-red']?.version;
      assert.ok(range, 'node-red.version missing');
      assert.ok(semver.satisfies(nodeRedLatest.version, range), `node-red.version "${range}" does not admit Node-RED ${nodeRedLatest.version}`);
    });

    it('P07 engines.node admits the Node.js the latest Node-RED needs (22.9)', function () {
      const ours = pkg.engines?.node;
      assert.ok(ours, 'engines.node missing');
      assert.ok(semver.satisfies('22.9.0', ours), `engines.node "${ours}" does not admit 22.9.0`);
      const needed = semver.minVersion(nodeRedLatest.engines?.node ?? '>=22.9');
      assert.ok(needed && semver.satisfies(needed, ours), `engines.node "${ours}" does not admit ${needed?.version}, which Node-RED ${nodeRedLatest.version} needs`);
    });

    it('D02 no known-bad or deprecated dependency', function () {
      for (const [name] of deps) {
        assert.ok(!KNOWN_BAD.includes(name), `${name} is known-bad`);
        assert.ok(!latest.get(name)?.deprecated, `${name} is deprecated: ${latest.get(name)?.deprecated}`);
      }
    });

    it('D03 no dependency a major version behind', function () {
      for (const [name, range] of deps) {
        const newest = latest.get(name)?.version;
        assert.ok(newest, `${name}: no version from the registry`);
        const ours = semver.minVersion(range);
        assert.ok(ours, `${name}: range "${range}" has no minimum`);
        assert.equal(semver.major(ours), semver.major(newest), `${name} "${range}" is a major version behind ${newest}`);
      }
    });
  });

  it('D01 at most 6 dependencies', function () {
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6, Object.keys(pkg.dependencies ?? {}).join(', '));
  });

  it('every node type of the package is registered in package.json, its .html literally registers it', function () {
    const registered = pkg['node-red']?.nodes ?? {};
    assert.deepEqual(Object.keys(registered).sort(), nodeTypes, 'node-red.nodes in package.json');
    for (const type of nodeTypes) {
      assert.equal(registered[type], `dist/nodes/${type}/${type}.js`);
      const call = registerTypeCalls(editorFile(type)).get(type);
      assert.ok(call, `${type}.html has no literal RED.nodes.registerType('${type}', {…})`);
      assert.match(call, /category\s*:/, `${type}: no category`);
      if (!isConfig(type)) {
        for (const key of ['color', 'icon', 'inputs', 'outputs']) assert.match(call, new RegExp(`\\b${key}\\s*:`), `${type}: no ${key} in registerType`);
        assert.match(call, /category\s*:\s*['"]solar bus['"]/, `${type}: category`);
      }
    }
  });

  it('the built .js of every registered type has its .html and locales beside it', function () {
    for (const file of Object.values(pkg['node-red']?.nodes ?? {})) {
      const js = path.join(ROOT, file);
      assert.ok(fs.existsSync(js), `${file} not built`);
      const type = path.basename(file, '.js');
      assert.ok(fs.existsSync(path.join(path.dirname(js), `${type}.html`)), `${type}.html not beside ${file}`);
      assert.ok(fs.existsSync(path.join(path.dirname(js), 'locales', 'en-US', `${type}.html`)), `help of ${type} not beside ${file}`);
    }
  });

  it('N01/P08 no node type clashes with a core node, a companion package or a known public type', function () {
    const taken = new Set([
      ...KNOWN_TAKEN_TYPES,
      ...typesRegisteredUnder(coreNodesDir()),
      ...['node-red-contrib-influxdb', 'node-red-node-mongodb', '@flowfuse/node-red-dashboard'].flatMap((p) => [...typesRegisteredUnder(path.join(ROOT, 'node_modules', p))]),
    ]);
    assert.ok(taken.has('inject') && taken.has('influxdb out') && taken.has('ui-button'), 'the scan of other packages found their types');
    for (const type of nodeTypes) assert.ok(!taken.has(type), `${type} is already registered elsewhere`);
  });

  it('N02 every non-config node type appears in at least one example flow', function () {
    const used = new Set(exampleFiles().flatMap((f) => readExample(f).map((n) => n.type)));
    const missing = nodeTypes.filter((t) => !isConfig(t) && !used.has(t));
    assert.deepEqual(missing, [], `not in any of ${EXAMPLES_DIR}`);
    assert.ok(nodeTypes.filter((t) => !isConfig(t)).length >= 5);
  });

  it('examples use only our nodes, core nodes, influxdb, mongodb and the FlowFuse dashboard, each with a comment node', function () {
    const allowed = new Set([
      ...nodeTypes,
      'tab',
      ...typesRegisteredUnder(coreNodesDir()),
      ...['node-red-contrib-influxdb', 'node-red-node-mongodb', '@flowfuse/node-red-dashboard'].flatMap((p) => [...typesRegisteredUnder(path.join(ROOT, 'node_modules', p))]),
    ]);
    for (const file of exampleFiles()) {
      const flow = readExample(file);
      assert.deepEqual(
        flow.filter((n) => !allowed.has(n.type)).map((n) => n.type),
        [],
        `${file}: types from elsewhere`,
      );
      assert.ok(flow.some((n) => n.type === 'comment' && String(n.name).length > 20 && String(n.info).length > 100), `${file}: no comment node saying what it shows`);
      assert.ok(flow.filter((n) => n.type !== 'tab' && n.z !== undefined).length <= 40, `${file}: not short`);
    }
  });
});
