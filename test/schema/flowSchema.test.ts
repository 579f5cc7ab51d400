import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readEditorDefinitions } from './editorDefinition';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NODES = path.join(ROOT, 'nodes');

/** docs/flow-schema.md: `## type` then `| property | type | default | meaning |` rows. */
function schemaTables(): Map<string, Map<string, unknown>> {
  const text = fs.readFileSync(path.join(ROOT, 'docs', 'flow-schema.md'), 'utf8');
  const tables = new Map<string, Map<string, unknown>>();
  let current: Map<string, unknown> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) {
      current = new Map();
      tables.set(heading[1], current);
      continue;
    }
    const row = /^\|\s*`?([A-Za-z0-9_]+)`?\s*\|[^|]*\|\s*`?(.*?)`?\s*\|/.exec(line);
    if (current && row && row[1] !== 'property' && !/^-+$/.test(row[1])) current.set(row[1], JSON.parse(row[2]));
  }
  return tables;
}

const nodeTypes = fs.readdirSync(NODES).filter((d) => fs.existsSync(path.join(NODES, d, 'defaults.ts')));
const registered = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);

describe('flow schema: editor defaults, runtime defaults and docs/flow-schema.md agree', () => {
  const tables = schemaTables();

  it('every registered node type has a folder, defaults.ts and a schema section', () => {
    for (const type of registered) {
      assert.ok(nodeTypes.includes(type), `${type} has nodes/${type}/defaults.ts`);
      assert.ok(tables.get(type)?.size, `docs/flow-schema.md documents ${type}`);
    }
  });

  for (const type of nodeTypes) {
    it(`${type}`, () => {
      // each node type's compiled defaults, found by folder name
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const runtime = (require(path.join(ROOT, 'dist', 'nodes', type, 'defaults.js')) as { DEFAULTS: Record<string, unknown> }).DEFAULTS;
      const [editor] = readEditorDefinitions(path.join(NODES, type, `${type}.html`)).filter((d) => d.type === type);
      assert.ok(editor, `${type}.html registers ${type} with a literal registerType call`);
      // the editor script ran in another realm: normalise through JSON so arrays compare by value
      const editorDefaults = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(editor.definition.defaults ?? {}).map(([k, v]) => [k, v.value])))) as Record<string, unknown>;
      const doc = Object.fromEntries(tables.get(type) ?? new Map());
      assert.deepEqual(editorDefaults, runtime, `${type}.html defaults vs defaults.ts`);
      assert.deepEqual(doc, runtime, `docs/flow-schema.md vs defaults.ts`);
    });
  }
});
