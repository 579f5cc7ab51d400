import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { systemScheduler, type Scheduler, type TimerHandle } from '../time/scheduler';
import type { CallArgs, CallKind, CallResults, ErrorInfo, FromWorker, ToWorker } from './cacheProtocol';
import type { CacheQuery } from './cacheQuery';
import { checkCacheSettings, type CacheSettings } from './cacheSettings';
import { CACHE_ID_PROPERTY, tokenFor } from './cacheToken';
import { claimCacheFile } from './durableSqlite';
import { decodeMessage } from './messageCodec';
import type { ResendForm } from './resendForm';
import { encodeForStore, type CacheStats, type QueryResult } from './storeAndForward';

/** Built beside this file by scripts/build.js (dist/lib/cache/cacheWorker.js). */
const WORKER_SCRIPT = path.join(__dirname, 'cacheWorker.js');
/** close() waits this long for the worker to end by itself before it is terminated */
const CLOSE_BOUND_MS = 5000;

export interface OffThreadCacheEvents {
  /** forward a re-sent message (carries msg._cacheId); a batch carries many stored messages */
  resend(message: Record<string, unknown>): void;
  /** the form the database node on the output takes a backlog in (asked when the worker starts and by refreshResendForm) */
  resendForm?(): ResendForm;
  warn(text: string): void;
  /** pending count or mode changed: refresh the status */
  changed(): void;
  /** the file could not be opened, or the worker stopped outside any call */
  failed(err: Error): void;
}

/** A call made when the cache is not open (the file could not be opened, or the cache closed or died). */
export class CacheNotOpenError extends Error {
  override readonly name = 'CacheNotOpenError';
}

interface Waiting {
  resolve(value: CallResults[CallKind]): void;
  reject(err: Error): void;
}

export interface OffThreadCacheOptions {
  /** wall clock for arrival stamps; timers for close()'s bound and a restart's wait */
  scheduler?: Scheduler;
  /** the worker's script (tests run one that can be made to die); cacheWorker.js beside this file */
  workerScript?: string;
}

/** a worker that died is started again after this, doubling with each death (for the cache's life) up to RESTART_MAX_MS */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 60000;

/**
 * The store-and-forward cache with its SQLite file in a worker thread (cacheWorker.ts), so that no
 * commit and no fsync runs on this thread's event loop, which the bus shares in Node-RED. Same
 * guarantees as StoreAndForward: put() resolves once the message is committed to the file, and
 * only then is it to be forwarded; calls are answered in the order they were made. The Forwarder
 * runs in the worker beside the store (docs/ARCHITECTURE.md, "Store-and-forward cache").
 * A worker that dies (out of memory, say) is reported and started again on the same file: what
 * was pending is re-sent from there; calls made meanwhile wait for it.
 */
export class OffThreadCache {
  private worker: Worker;
  /** the current worker's exit code, once it has exited */
  private exited: Promise<number>;
  private readonly settings: CacheSettings;
  private readonly scheduler: Scheduler;
  private readonly script: string;
  private readonly waiting = new Map<number, Waiting>();
  private nextSeq = 1;
  private form: ResendForm | undefined;
  /** what was posted before the current worker ran and got its `open`, sent right after it */
  private held: ToWorker[] | undefined;
  /** why calls are refused: the open failed, or close() was called */
  private refusal: Error | undefined;
  private openFailure: Error | undefined;
  private closing: Promise<void> | undefined;
  private lastWorkerError: Error | undefined;
  private restartTimer: TimerHandle | undefined;
  private restartDelayMs = RESTART_FIRST_MS;
  private readonly releaseFile: () => void;

  constructor(
    private readonly ownerId: string,
    settings: CacheSettings,
    private readonly events: OffThreadCacheEvents,
    options: OffThreadCacheOptions = {},
  ) {
    this.settings = checkCacheSettings({ ...settings, file: path.resolve(settings.file) });
    this.scheduler = options.scheduler ?? systemScheduler;
    this.script = options.workerScript ?? WORKER_SCRIPT;
    if (!fs.existsSync(this.script)) throw new Error(`the cache's worker script ${this.script} is missing (built by scripts/build.js)`);
    // The file stays claimed until close() has seen the last worker exit: a redeploy's cache opens it only then.
    this.releaseFile = claimCacheFile(this.settings.file);
    try {
      [this.worker, this.exited] = this.startWorker();
    } catch (err) {
      this.releaseFile();
      throw err;
    }
  }

  private startWorker(): [Worker, Promise<number>] {
    const worker = new Worker(this.script);
    this.held ??= []; // calls made while the previous one was dead are in it already
    this.lastWorkerError = undefined;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    void exited.then((code) => this.onExit(code));
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    // followed by 'exit'; reported there
    worker.on('error', (err) => (this.lastWorkerError = err));
    // Asked once the worker runs: by then the flow's other nodes exist.
    worker.once('online', () => {
      this.form = this.events.resendForm?.() ?? 'single';
      worker.postMessage({ type: 'open', ownerId: this.ownerId, settings: this.settings, resendForm: this.form } satisfies ToWorker);
      for (const m of this.held ?? []) worker.postMessage(m);
      this.held = undefined;
    });
    return [worker, exited];
  }

  /** The worker is gone: at close, as asked; otherwise it died, and is started again after a wait. */
  private onExit(code: number): void {
    if (this.closing || this.openFailure) return;
    const cause = this.lastWorkerError?.message ?? `exit code ${code}`;
    const err = new Error(`the cache's worker stopped (${cause}); starting it again in ${this.restartDelayMs / 1000} s`);
    // What it had not answered may or may not be committed; a put that was is re-sent from the file.
    this.rejectWaiting(err);
    this.held = [];
    this.events.failed(err);
    this.restartTimer = this.scheduler.setTimeout(() => {
      this.restartTimer = undefined;
      try {
        [this.worker, this.exited] = this.startWorker();
      } catch (e) {
        this.refusal = new CacheNotOpenError(`the cache's worker could not be started again: ${(e as Error).message}`);
        this.events.failed(this.refusal);
      }
    }, this.restartDelayMs);
    this.restartDelayMs = Math.min(RESTART_MAX_MS, this.restartDelayMs * 2);
  }

  get file(): string {
    return this.settings.file;
  }

  /** why the file could not be opened, once the worker said so */
  get openError(): Error | undefined {
    return this.openFailure;
  }

  /** the worker's thread id (tests check it has exited after close) */
  get threadId(): number {
    return this.worker.threadId;
  }

  /**
   * Stores msg in the file; resolves once it is committed, saying whether to forward it now. The
   * message is stamped (stampTime) and encoded at once, so puts keep the order they were made
   * in; msg._cacheId is set when it resolves. Rejects with UnstorableMessageError for a message
   * that cannot be stored exactly (nothing is stored then), or with the file's error.
   */
  async put(msg: Record<string, unknown>): Promise<{ id: number; forward: boolean }> {
    const storedAt = this.scheduler.wallNow();
    const body = encodeForStore(msg, storedAt, this.settings.stampTime);
    const r = await this.call('put', { body, storedAt });
    msg[CACHE_ID_PROPERTY] = tokenFor(this.ownerId, r.id);
    return r;
  }

  /** A complete node reported a send delivered; false when none of its messages was pending. */
  acknowledge(key: number | string): Promise<boolean> {
    return this.call('ack', { key: String(key) });
  }

  /** A catch node reported the delivery failed; its messages stay pending. */
  async fail(key: number | string, reason: string): Promise<void> {
    await this.call('fail', { key: String(key), reason });
  }

  async query(query: CacheQuery): Promise<QueryResult> {
    return decodeMessage(await this.call('query', { query })) as unknown as QueryResult;
  }

  stats(): Promise<CacheStats> {
    return this.call('stats', {});
  }

  /** Retention and the size bound now. */
  async housekeep(): Promise<void> {
    await this.call('housekeep', {});
  }

  /** Asks events.resendForm again and tells the worker when the answer changed (the nodes on the output were redeployed). */
  refreshResendForm(): void {
    if (this.form === undefined || this.refusal) return;
    const form = this.events.resendForm?.() ?? 'single';
    if (form === this.form) return;
    this.form = form;
    this.post({ type: 'resendForm', resendForm: form });
  }

  /**
   * Closes the file and ends the worker: calls made before are answered first, later ones are
   * refused. Resolves once the thread has exited; rejects with the error closing the file met.
   */
  close(): Promise<void> {
    this.closing ??= this.closeWorker();
    return this.closing;
  }

  private async closeWorker(): Promise<void> {
    this.refusal ??= new CacheNotOpenError('the cache is closed');
    if (this.restartTimer !== undefined) {
      // between a worker that died and the next: nothing runs
      this.scheduler.clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.held = undefined;
      this.rejectWaiting(this.refusal);
      this.releaseFile();
      return;
    }
    const worker = this.worker;
    const exited = this.exited;
    const closed = new Promise<ErrorInfo | undefined>((resolve) => {
      worker.on('message', (m: FromWorker) => m.type === 'closed' && resolve(m.error));
      void exited.then(() => resolve(undefined));
    });
    this.post({ type: 'close' });
    const error = await closed;
    let bound: TimerHandle | undefined;
    const ended = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => (bound = this.scheduler.setTimeout(() => resolve(false), CLOSE_BOUND_MS))),
    ]);
    this.scheduler.clearTimeout(bound);
    if (!ended) {
      await worker.terminate();
      this.events.warn(`the cache's worker did not end within ${CLOSE_BOUND_MS / 1000} s of closing its file; terminated`);
    }
    this.rejectWaiting(this.refusal);
    this.releaseFile();
    if (error) throw Object.assign(new Error(error.message), { name: error.name });
  }

  private call<K extends CallKind>(kind: K, args: CallArgs[K]): Promise<CallResults[K]> {
    if (this.refusal) return Promise.reject(this.refusal);
    const seq = this.nextSeq++;
    return new Promise<CallResults[K]>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as Waiting['resolve'], reject });
      this.post({ type: 'call', kind, seq, ...args } as ToWorker);
    });
  }

  private post(m: ToWorker): void {
    if (this.held) this.held.push(m);
    else this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'result':
        this.settle(m.seq)?.resolve(m.value);
        return;
      case 'error':
        this.settle(m.seq)?.reject(this.openFailure ? this.notOpen() : asError(m.error));
        return;
      case 'resend':
        this.events.resend(decodeMessage(m.body));
        return;
      case 'warn':
        this.events.warn(m.text);
        return;
      case 'changed':
        this.events.changed();
        return;
      case 'openFailed':
        this.openFailure = asError(m.error);
        this.events.failed(this.openFailure);
        return;
      case 'opened':
      case 'closed':
        return;
    }
  }

  private notOpen(): CacheNotOpenError {
    return new CacheNotOpenError(this.openFailure?.message ?? 'the cache is not open');
  }

  private rejectWaiting(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private settle(seq: number): Waiting | undefined {
    const w = this.waiting.get(seq);
    this.waiting.delete(seq);
    return w;
  }
}

/** An error from the worker as an Error of the same name (its class stays in the worker). */
function asError(e: ErrorInfo): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
