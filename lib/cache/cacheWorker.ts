/**
 * The cache's worker thread: owns the SQLite file (the StoreAndForward, its CacheStore and its
 * Forwarder) so that every commit and its fsyncs run here, not on the event loop the bus runs on.
 * Started by OffThreadCache (offThreadCache.ts); speaks the messages of cacheProtocol.ts. Calls are
 * answered in the order they came, each after its transaction committed.
 */
import { parentPort } from 'node:worker_threads';
import { errorInfo, type CallKind, type CallRequest, type CallResults, type ErrorInfo, type FromWorker, type ToWorker } from './cacheProtocol';
import { encodeMessage } from './messageCodec';
import type { ResendForm } from './resendForm';
import { StoreAndForward } from './storeAndForward';

if (!parentPort) throw new Error('lib/cache/cacheWorker.js runs as a worker thread, started by OffThreadCache');
const port = parentPort;

/** a re-sent message crosses whole, its _cacheId included */
const KEEP_ALL: ReadonlySet<string> = new Set();

let cache: StoreAndForward | undefined;
let openError: Error | undefined;
let resendForm: ResendForm = 'single';
let changedPosted = false;

const post = (m: FromWorker): void => port.postMessage(m);

/** One `changed` per turn of this loop, however many puts and acks it held. */
function changed(): void {
  if (changedPosted) return;
  changedPosted = true;
  queueMicrotask(() => {
    changedPosted = false;
    post({ type: 'changed' });
  });
}

function open(m: Extract<ToWorker, { type: 'open' }>): void {
  resendForm = m.resendForm;
  try {
    cache = new StoreAndForward(m.ownerId, m.settings, {
      resend: (msg) => post({ type: 'resend', body: encodeMessage(msg, KEEP_ALL) }),
      resendForm: () => resendForm,
      warn: (text) => post({ type: 'warn', text }),
      changed,
    });
    post({ type: 'opened', file: cache.file });
  } catch (err) {
    openError = err as Error;
    post({ type: 'openFailed', error: errorInfo(err) });
  }
}

function call(c: CallRequest): CallResults[CallKind] {
  if (!cache) throw openError ?? new Error('the cache is not open');
  switch (c.kind) {
    case 'put':
      return cache.putEncoded(c.body, c.storedAt);
    case 'ack':
      return cache.acknowledge(c.key);
    case 'fail':
      cache.fail(c.key, c.reason);
      return null;
    case 'query': {
      const r = cache.query(c.query);
      return encodeMessage({ points: r.points, truncated: r.truncated }, KEEP_ALL);
    }
    case 'stats':
      return cache.stats();
    case 'housekeep':
      cache.housekeep();
      return null;
  }
}

/** An engine error ("database or disk is full", "database is locked") names the file it was about. */
function withFile(e: ErrorInfo): ErrorInfo {
  return cache && !e.message.includes(cache.file) ? { name: e.name, message: `cache file ${cache.file}: ${e.message}` } : e;
}

function close(): void {
  let error: ErrorInfo | undefined;
  try {
    cache?.close();
  } catch (err) {
    error = errorInfo(err);
  }
  cache = undefined;
  post({ type: 'closed', error });
  // Nothing else holds this loop (the forwarder's and housekeeping timers are cleared): it ends.
  port.close();
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'open':
      return open(m);
    case 'resendForm':
      resendForm = m.resendForm;
      return;
    case 'call':
      try {
        post({ type: 'result', seq: m.seq, value: call(m) });
      } catch (err) {
        post({ type: 'error', seq: m.seq, error: withFile(errorInfo(err)) });
      }
      return;
    case 'close':
      return close();
  }
});
