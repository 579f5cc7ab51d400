import { CACHE_ID_PROPERTY, sendKeyFromToken } from './cacheToken';
import { isPlainObject } from './valueKinds';

/** What a message arriving at the cache's input is. */
export type CacheInput =
  | { kind: 'data' }
  /** `key`: the send's key, a row id or "b<n>" for a batch */
  | { kind: 'ack'; key: string }
  | { kind: 'failure'; key: string; reason: string }
  | { kind: 'stats' }
  | { kind: 'query'; query: unknown }
  /** a catch node's message about an error of this cache node itself (a catch wired too widely) */
  | { kind: 'own-error'; reason: string };

export const QUERY_PROPERTY = 'cacheQuery';

/**
 * Classifies a message: one of ours coming back (msg._cacheId with this node's id) from a
 * complete node (no msg.error: delivered) or a catch node (msg.error: failed), a query
 * (msg.cacheQuery), or data to store and forward.
 */
export function classifyInput(msg: Record<string, unknown>, ownerId: string): CacheInput {
  const error = msg.error;
  const key = sendKeyFromToken(msg[CACHE_ID_PROPERTY], ownerId);
  if (key !== undefined) {
    if (error === undefined || error === null) return { kind: 'ack', key };
    return { kind: 'failure', key, reason: errorText(error) };
  }
  if (isPlainObject(error) && isPlainObject(error.source) && error.source.id === ownerId) return { kind: 'own-error', reason: errorText(error) };
  if (msg[QUERY_PROPERTY] !== undefined) {
    return msg[QUERY_PROPERTY] === 'stats' ? { kind: 'stats' } : { kind: 'query', query: msg[QUERY_PROPERTY] };
  }
  return { kind: 'data' };
}

function errorText(error: unknown): string {
  if (isPlainObject(error) && typeof error.message === 'string') return error.message;
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as Error).message;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? 'error';
}
