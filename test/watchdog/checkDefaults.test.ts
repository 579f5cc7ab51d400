import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CHECK_DEFAULTS } from '../../lib/watchdog/checkConfig';

/** The package root: the nearest folder above this (compiled) file with a package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no package.json above the test');
    dir = up;
  }
  return dir;
}

describe('watchdog check defaults', () => {
  it('the editor offers the same defaults per kind as the runtime and docs/flow-schema.md', () => {
    const root = packageRoot();
    const html = fs.readFileSync(path.join(root, 'nodes', 'pv-watchdog', 'pv-watchdog.html'), 'utf8');
    const literal = /var CHECK_DEFAULTS = (\{[\s\S]*?\n {4}\});/.exec(html);
    assert.ok(literal, 'pv-watchdog.html defines CHECK_DEFAULTS as a JSON literal');
    assert.deepEqual(JSON.parse(literal[1]), CHECK_DEFAULTS);

    const doc = fs.readFileSync(path.join(root, 'docs', 'flow-schema.md'), 'utf8');
    const schema = doc.slice(doc.indexOf('## pv-watchdog'), doc.indexOf('\n## ', doc.indexOf('## pv-watchdog') + 1)).split('| kind | fields and defaults |')[1] ?? '';
    for (const [kind, defaults] of Object.entries(CHECK_DEFAULTS)) {
      const row = new RegExp(`^\\| \`${kind}\` \\|(.*)\\|$`, 'm').exec(schema);
      assert.ok(row, `docs/flow-schema.md has a row for check kind ${kind}`);
      for (const [field, value] of Object.entries(defaults)) {
        assert.ok(row[1].includes(`\`${field}\` \`${JSON.stringify(value)}\``), `docs: ${kind}.${field} default ${JSON.stringify(value)}`);
      }
    }
  });
});
