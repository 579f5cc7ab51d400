import { ConfigError } from '../bus/errors';

/**
 * A node's "tags" setting — `{"host": "pv-strass", "region": "europe"}` (the old logger's `tags:`)
 * — as names to texts, for every point the node writes. Empty means none.
 */
export function parseTagsSetting(text: unknown, example = '{"host": "pv-strass", "region": "europe"}'): Record<string, string> {
  let value: unknown;
  try {
    value = typeof text === 'string' ? JSON.parse(text.trim() || '{}') : (text ?? {});
  } catch (err) {
    throw new ConfigError(`tags are not valid JSON (${(err as Error).message}): e.g. ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`tags must be a JSON object of names to texts, e.g. ${example}`);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!k.trim()) throw new ConfigError('a tag name is empty');
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ConfigError(`tag ${k} must be a text or a number, got ${JSON.stringify(v)}`);
    tags[k] = String(v);
  }
  return tags;
}
