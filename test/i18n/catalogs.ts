/**
 * Node-RED's own message catalogue lookup (@node-red/util's i18n, i18next with __name__
 * parameters), loaded with this package's locale files as the runtime's loader does: one
 * namespace per node, nodes/<type>/locales/<lang>/<type>.json, missing keys from en-US.
 * node-red-node-test-helper's RED._ returns the key itself, so it cannot show a text.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The parts of @node-red/util's i18n used here (its published types leave out init and the i18next instance). */
interface RuntimeI18n {
  init(settings: { lang?: string }): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _(key: string, options?: Record<string, unknown>): string;
  i: { loadLanguages(lngs: string[]): Promise<void> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module with no types for these members
const { i18n } = require('@node-red/util') as { i18n: RuntimeI18n };

/** dist/nodes (the compiled test runs from dist/test/i18n), where the build copied the locales */
export const NODES_DIR = path.resolve(__dirname, '..', '..', 'nodes');
/** the source tree's nodes/, where the locale files are written */
export const SOURCE_NODES_DIR = path.resolve(__dirname, '..', '..', '..', 'nodes');

export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

export const NODE_TYPES: readonly string[] = fs
  .readdirSync(SOURCE_NODES_DIR)
  .filter((t) => fs.existsSync(path.join(SOURCE_NODES_DIR, t, 'locales', 'en-US', `${t}.json`)))
  .sort();

let loaded: Promise<void> | undefined;

/** Registers every node's catalogue once per process, with English and German loaded. */
function loadCatalogs(): Promise<void> {
  loaded ??= (async () => {
    // a no-op when something in this process initialised it already; every lookup below names its language
    i18n.init({ lang: 'en-US' });
    for (const type of NODE_TYPES) await i18n.registerMessageCatalog(`solar-bus-test/${type}`, path.join(NODES_DIR, type, 'locales'), `${type}.json`);
    await i18n.i.loadLanguages(['en-US', 'de']);
  })();
  return loaded;
}

/** RED._ as the runtime gives it to node `type`, in language `lang`. */
export async function translatorFor(type: string, lang: string): Promise<Translate> {
  await loadCatalogs();
  return (key, substitutions) => i18n._(`solar-bus-test/${type}:${key}`, { ...substitutions, lng: lang });
}

/** A node's locale file as data. */
export function catalogOf(type: string, lang: string): Record<string, unknown> | undefined {
  const file = path.join(SOURCE_NODES_DIR, type, 'locales', lang, `${type}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined;
}

/** Every leaf key of a catalogue, dotted ("rs485-bus.status.open"). */
export function keysOf(catalog: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(catalog).flatMap(([k, v]) => (v && typeof v === 'object' ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
