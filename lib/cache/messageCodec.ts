import { isBytes, isDate, isPlainObject } from './valueKinds';

/**
 * Messages to and from the cache file as JSON text, strictly: a value JSON would silently
 * change (NaN to null, a Date to a string, a function dropped) is either carried exactly
 * (Date, Buffer) or refused with the path of the offending property, so what is re-sent later
 * is what was sent first.
 */

export class UnstorableMessageError extends Error {
  override readonly name = 'UnstorableMessageError';
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${path}: ${what} cannot be stored in the cache`);
  }
}

// A tagged value is an object whose only key is one of these.
const DATE = '$date';
const BUFFER = '$buffer';
const OBJECT = '$object'; // escapes a user object that happens to look like a tag
const TAGS = new Set([DATE, BUFFER, OBJECT]);

/** Encodes msg without the properties in `omit` (e.g. _msgid). */
export function encodeMessage(msg: Record<string, unknown>, omit: ReadonlySet<string>): string {
  const out: Record<string, unknown> = {};
  const ancestors = new Map<object, string>([[msg, 'msg']]);
  for (const key of Object.keys(msg)) {
    if (omit.has(key) || msg[key] === undefined) continue;
    out[key] = toPlain(msg[key], `msg.${key}`, ancestors);
  }
  return JSON.stringify(out);
}

export function decodeMessage(text: string): Record<string, unknown> {
  return fromPlain(JSON.parse(text)) as Record<string, unknown>;
}

function toPlain(value: unknown, path: string, ancestors: Map<object, string>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new UnstorableMessageError(path, `${value} (not a finite number)`);
      return value;
    case 'bigint':
      throw new UnstorableMessageError(path, 'a BigInt');
    case 'function':
      throw new UnstorableMessageError(path, 'a function');
    case 'symbol':
      throw new UnstorableMessageError(path, 'a symbol');
    case 'undefined':
      return null; // only reached inside arrays, as in JSON
  }
  if (value === null) return null;
  const obj = value as object;
  const seenAt = ancestors.get(obj);
  if (seenAt !== undefined) throw new UnstorableMessageError(path, `a reference back to ${seenAt} (a cycle)`);
  if (isDate(obj)) {
    if (Number.isNaN(obj.getTime())) throw new UnstorableMessageError(path, 'an invalid Date');
    return { [DATE]: obj.getTime() };
  }
  if (isBytes(obj)) return { [BUFFER]: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64') };
  ancestors.set(obj, path);
  try {
    if (Array.isArray(obj)) return obj.map((item, i) => toPlain(item, `${path}[${i}]`, ancestors));
    if (!isPlainObject(obj)) {
      throw new UnstorableMessageError(path, `a ${(obj as { constructor?: { name?: string } }).constructor?.name || 'non-plain'} object`);
    }
    const out: Record<string, unknown> = {};
    const record = obj as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined || key === '__proto__') continue;
      out[key] = toPlain(record[key], `${path}.${key}`, ancestors);
    }
    const keys = Object.keys(out);
    return keys.length === 1 && TAGS.has(keys[0]) ? { [OBJECT]: out } : out;
  } finally {
    ancestors.delete(obj);
  }
}

function fromPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromPlain);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && TAGS.has(keys[0])) {
    const inner = record[keys[0]];
    if (keys[0] === DATE) return new Date(inner as number);
    if (keys[0] === BUFFER) return Buffer.from(inner as string, 'base64');
    return fromPlainEntries(inner as Record<string, unknown>);
  }
  return fromPlainEntries(record);
}

function fromPlainEntries(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (key !== '__proto__') out[key] = fromPlain(record[key]);
  return out;
}
