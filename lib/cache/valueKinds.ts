/**
 * Kinds of values, independent of the realm that made them: a function node runs in its own
 * vm context, so its objects have another Object.prototype and its Dates another Date, and
 * `instanceof` or a prototype comparison would call them foreign.
 */
const tag = (v: unknown): string => Object.prototype.toString.call(v);

/** An object literal (or Object.create(null)) from any realm. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || tag(value) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

export function isDate(value: unknown): value is Date {
  return tag(value) === '[object Date]';
}

/** Buffer or Uint8Array from any realm. */
export function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && tag(value) === '[object Uint8Array]';
}
