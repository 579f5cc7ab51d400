/**
 * The keys the nodes use and the keys their locale files hold, kept together: every RED._ key in
 * nodes/**\/*.ts (and every literal key of the editors) exists in that node's en-US file, every
 * status, cause and scan reason there is used, a German file holds no key English lacks and the
 * same __parameters__, and no node.status text is written in code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LINK_REASON_ENGLISH } from '../../lib/bus/linkReason';
import { SCAN_REASON_ENGLISH } from '../../lib/status/scanReason';
import { catalogOf, keysOf, NODE_TYPES, SOURCE_NODES_DIR } from './catalogs';

const ROOT = path.resolve(SOURCE_NODES_DIR, '..');

function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'locales' ? [] : filesUnder(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

/** the string members of a union type in a lib file: `export type PeakWhy = 'noData' | …;` */
function unionMembers(file: string, name: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const m = new RegExp(`export type ${name} =([^;]+);`).exec(src);
  assert.ok(m, `${name} in ${file}`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

const TS_FILES = filesUnder(SOURCE_NODES_DIR, '.ts');
const nodeDirOf = (file: string): string => path.relative(SOURCE_NODES_DIR, file).split(path.sep)[0];

/**
 * The keys a template in code can make, by its text: a new template key fails this test until
 * it is listed here with what fills it.
 */
function expandTemplate(template: string, file: string): string[] {
  switch (template) {
    case 'rs485-bus.cause.${reason.code}':
      return Object.keys(LINK_REASON_ENGLISH).map((c) => `rs485-bus.cause.${c}`);
    case 'xw-peak-shaving.status.${d.why}':
      return unionMembers('lib/peak/peakShaver.ts', 'PeakWhy').map((w) => `xw-peak-shaving.status.${w}`);
    case 'xw-peak-shaving.mode.${d.mode}':
      return unionMembers('lib/peak/peakShaver.ts', 'PeakMode').map((w) => `xw-peak-shaving.mode.${w}`);
    case '${type}.status.inputError':
    case '${type}.status.setupError': {
      // nodeErrors(RED, node, '<type>') in each node file that uses it; setupError only where setupStatus is called
      const suffix = template.slice('${type}'.length);
      return TS_FILES.flatMap((f) => {
        const s = fs.readFileSync(f, 'utf8');
        const type = /nodeErrors\(RED, node, '([^']+)'\)/.exec(s)?.[1];
        if (!type || (suffix === '.status.setupError' && !s.includes('.setupStatus('))) return [];
        return [`${type}${suffix}`];
      });
    }
    default:
      assert.fail(`${path.relative(ROOT, file)}: a template key nobody expands: \`${template}\` (add it to expandTemplate)`);
  }
}

/** every key the runtime code looks up, with the file that uses it */
function runtimeKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of TS_FILES) {
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/\b_\(\s*(?:'([^']+)'|`([^`]+)`)/g)) {
      const literal = m[1] ?? (m[2].includes('${') ? undefined : m[2]);
      for (const key of literal !== undefined ? [literal] : expandTemplate(m[2], file)) keys.set(key, file);
    }
    // keys chosen before the call (`_(cond ? 'pv-watchdog.status.a' : 'pv-watchdog.status.b')`): any literal shaped like a node's key (type.section.key; 'rs485-bus.read' is a permission)
    for (const m of src.matchAll(/'((?:[a-z0-9]+-)*[a-z0-9]+(?:\.[\w-]+){2,})'/g)) if (NODE_TYPES.includes(typeOfKey(m[1]))) keys.set(m[1], file);
  }
  return keys;
}

/** the literal keys of the editors and help (data-i18n="[placeholder]key;key2", node._('key')) */
function editorKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of filesUnder(SOURCE_NODES_DIR, '.html')) {
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/data-i18n="([^"]+)"/g)) for (const part of m[1].split(';')) keys.set(part.replace(/^\[[^\]]+\]/, ''), file);
    for (const m of src.matchAll(/\._\(\s*'([^']+)'\s*[,)]/g)) keys.set(m[1], file);
  }
  for (const key of keys.keys()) if (key.includes(':')) keys.delete(key); // another namespace (node-red:common…)
  return keys;
}

const catalogKeys = (type: string, lang = 'en-US'): Set<string> => new Set(keysOf(catalogOf(type, lang) ?? {}));
const typeOfKey = (key: string): string => key.slice(0, key.indexOf('.'));
const paramsOf = (text: string): string[] => [...text.matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();

function leaf(catalog: Record<string, unknown>, key: string): string {
  return String(key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], catalog));
}

describe('locale keys: code and locale files hold the same keys', () => {
  const used = runtimeKeys();
  const editor = editorKeys();

  it('finds the keys (the scan is not empty)', () => {
    assert.ok(used.size > 60, `${used.size} runtime keys`);
    assert.ok(used.has('rs485-bus.cause.notFound') && used.has('xw-poll.status.setupError') && used.has('pv-watchdog.status.inputError'));
    assert.ok(editor.size > 100, `${editor.size} editor keys`);
  });

  it("every RED._ key in nodes/**/*.ts is in its own node's en-US file (RED._ looks only in the calling node's catalogue)", () => {
    const missing: string[] = [];
    for (const [key, file] of used) {
      const dir = nodeDirOf(file);
      if (dir !== 'support' && typeOfKey(key) !== dir) missing.push(`${key} used in ${path.relative(ROOT, file)}: another node's catalogue`);
      else if (!catalogKeys(typeOfKey(key)).has(key)) missing.push(`${key} (${path.relative(ROOT, file)})`);
    }
    assert.deepEqual(missing, []);
  });

  it('every literal key of the editors is in en-US', () => {
    const missing = [...editor].filter(([key]) => !catalogKeys(typeOfKey(key)).has(key)).map(([key, file]) => `${key} (${path.relative(ROOT, file)})`);
    assert.deepEqual(missing, []);
  });

  it('every status, cause and scan reason in en-US is used', () => {
    const scanCodes = new Set(Object.keys(SCAN_REASON_ENGLISH));
    const unused: string[] = [];
    for (const type of NODE_TYPES) {
      for (const key of catalogKeys(type)) {
        if (new RegExp(`^${type}\\.(status|cause)\\.`).test(key) && !used.has(key)) unused.push(key);
        // the editors take scan.why.<code> from the endpoint's code
        if (key.startsWith(`${type}.scan.why.`) && !scanCodes.has(key.slice(`${type}.scan.why.`.length))) unused.push(key);
      }
    }
    assert.deepEqual(unused, []);
  });

  it('a German file holds only keys en-US has, each with the same __parameters__', () => {
    let german = 0;
    for (const type of NODE_TYPES) {
      const de = catalogOf(type, 'de');
      if (!de) continue;
      german++;
      const en = catalogOf(type, 'en-US') ?? {};
      const enKeys = catalogKeys(type);
      for (const key of keysOf(de)) {
        assert.ok(enKeys.has(key), `${type} de: ${key} is not in en-US`);
        assert.deepEqual(paramsOf(leaf(de, key)), paramsOf(leaf(en, key)), `${type} de: ${key}`);
      }
    }
    assert.ok(german >= 1, 'at least rs485-bus has German');
  });

  it('no node.status text is written in code: each is a locale text (RED._) or a lib status built from one', () => {
    const written: string[] = [];
    for (const file of TS_FILES) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`;
          // a text property given as a literal or an error's message, or a status given as a bare string
          if (/\btext:\s*(['"`]|[\w.]*\.message\b)/.test(line) || /\.status\(\s*['"`]/.test(line)) written.push(where);
        });
    }
    assert.deepEqual(written, []);
  });
});
