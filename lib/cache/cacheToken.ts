/**
 * How a forwarded message is recognised when it comes back from a complete or catch node:
 * msg._cacheId = "<cache node id>:<row id>". The node id keeps two caches in one flow apart;
 * row ids are never reused (AUTOINCREMENT), so a late acknowledgement cannot hit another row.
 */
export const CACHE_ID_PROPERTY = '_cacheId';

export function tokenFor(ownerId: string, id: number | string): string {
  return `${ownerId}:${id}`;
}

/**
 * The send key when `token` is one of this owner's: a row id ("12") for a message sent alone,
 * "b<n>" for a batch of several (see Forwarder); undefined otherwise.
 */
export function sendKeyFromToken(token: unknown, ownerId: string): string | undefined {
  if (typeof token !== 'string') return undefined;
  const sep = token.lastIndexOf(':');
  if (sep < 0 || token.slice(0, sep) !== ownerId) return undefined;
  const key = token.slice(sep + 1);
  if (/^b\d+$/.test(key)) return key;
  return idFromToken(token, ownerId) === undefined ? undefined : key;
}

/** The row id when `token` is one of this owner's single messages, else undefined. */
export function idFromToken(token: unknown, ownerId: string): number | undefined {
  if (typeof token !== 'string') return undefined;
  const sep = token.lastIndexOf(':');
  if (sep < 0 || token.slice(0, sep) !== ownerId) return undefined;
  const id = Number(token.slice(sep + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
