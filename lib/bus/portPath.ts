import fs from 'node:fs';
import path from 'node:path';

/**
 * Resolves a configured serial path to the device to open now. A glob in the file name
 * (`/dev/ttyUSB*`) or a /dev/serial/by-id/… link is resolved again at every open, because USB
 * adapters renumber after a replug.
 */
export function resolveSerialPath(configured: string): string | undefined {
  if (!/[*?[]/.test(configured)) return fs.existsSync(configured) ? configured : undefined;
  const dir = path.dirname(configured);
  const pattern = globToRegExp(path.basename(configured));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const match = names.filter((n) => pattern.test(n)).sort(naturalOrder)[0];
  return match === undefined ? undefined : path.join(dir, match);
}

/** The physical device behind a path (follows by-id links), so two names of one port share one bus. */
export function physicalDevice(configured: string): string {
  const resolved = resolveSerialPath(configured);
  if (resolved === undefined) return configured;
  try {
    return fs.realpathSync(resolved);
  } catch {
    return resolved;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** ttyUSB2 before ttyUSB10 */
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
