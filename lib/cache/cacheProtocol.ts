import type { CacheQuery } from './cacheQuery';
import type { CacheSettings } from './cacheSettings';
import type { ResendForm } from './resendForm';
import type { CacheStats } from './storeAndForward';

/**
 * The messages between the main thread (OffThreadCache) and the cache's worker (cacheWorker.ts).
 * Only plain data crosses: settings, keys, numbers, texts. A Node-RED message crosses as the text
 * of lib/cache/messageCodec.ts (structured clone would turn a Buffer into a Uint8Array and drop
 * a Date's meaning inside a payload), and so does a query answer, whose fields come from messages.
 */

/** What each call returns, by kind. */
export interface CallResults {
  /** the message is committed to the file; forward it now when `forward` */
  put: { id: number; forward: boolean };
  /** false when none of the send's messages was pending any more */
  ack: boolean;
  fail: null;
  /** a QueryResult, encoded by messageCodec */
  query: string;
  stats: CacheStats;
  /** retention and the size bound now (normally every minute and every 50 puts) */
  housekeep: null;
}

/** What each call sends, by kind. */
export interface CallArgs {
  /** `body`: the message encoded by messageCodec; `storedAt`: its arrival (wall ms) */
  put: { body: string; storedAt: number };
  ack: { key: string };
  fail: { key: string; reason: string };
  query: { query: CacheQuery };
  stats: Record<string, never>;
  housekeep: Record<string, never>;
}

export type CallKind = keyof CallResults;

/** A call: answered by exactly one `result` or `error` with the same seq, in the order sent. */
export type CallRequest = { [K in CallKind]: { type: 'call'; kind: K; seq: number } & CallArgs[K] }[CallKind];

/** main → worker */
export type ToWorker =
  /** first message: open the file and start forwarding */
  | { type: 'open'; ownerId: string; settings: CacheSettings; resendForm: ResendForm }
  /** the database node wired to output 1 takes a backlog in another form now */
  | { type: 'resendForm'; resendForm: ResendForm }
  | CallRequest
  /** stop the forwarder, close the file; answered by `closed`, then the worker's loop ends */
  | { type: 'close' };

/** An error as it crosses: its class name and message (the worker's stack stays there). */
export interface ErrorInfo {
  name: string;
  message: string;
}

/** worker → main */
export type FromWorker =
  | { type: 'opened'; file: string }
  | { type: 'openFailed'; error: ErrorInfo }
  | { type: 'result'; seq: number; value: CallResults[CallKind] }
  | { type: 'error'; seq: number; error: ErrorInfo }
  /** a pending message (or a batch of them) to send: the message with _cacheId, encoded */
  | { type: 'resend'; body: string }
  | { type: 'warn'; text: string }
  /** pending count or mode changed */
  | { type: 'changed' }
  /** the file is closed; nothing of the worker runs any more */
  | { type: 'closed'; error?: ErrorInfo };

export function errorInfo(err: unknown): ErrorInfo {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
