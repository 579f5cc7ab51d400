import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ageText } from '../../lib/cache/ageText';
import { classifyInput } from '../../lib/cache/cacheInput';
import { parseCacheQuery } from '../../lib/cache/cacheQuery';
import { resendFormFor, type DownstreamNode } from '../../lib/cache/resendForm';
import { CacheNotOpenError, OffThreadCache } from '../../lib/cache/offThreadCache';
import type { CacheStats } from '../../lib/cache/storeAndForward';
import { cacheSystemFields, SYSTEM_MEASUREMENT } from '../../lib/cache/systemFields';
import { nodeErrors, type InputMessage } from '../support/nodeErrors';
import { batchModeFrom, cacheSettingsFrom, statsIntervalFrom } from './cacheConfig';
import type { PvCacheConfig } from './defaults';

type Out = (NodeMessage | null)[];
const STATUS_EVERY_MS = 1000;
const ERROR_STATUS_HOLD_MS = 5000;

/** Outputs: 1 to the database node, 2 statistics (system measurement), 3 query results. */
export = function register(RED: NodeAPI): void {
  function PvCacheNode(this: Node, config: NodeDef & Partial<PvCacheConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const label = config.name || node.id;
    const errors = nodeErrors(RED, node, 'pv-cache');
    let statusDirty = true;
    let errorShownAt = Number.NEGATIVE_INFINITY;

    // The nodes on the first output: looked up when the worker starts (they exist by then) and with every status tick.
    const batchMode = batchModeFrom(config);
    const databaseIds = (config as NodeDef & { wires?: string[][] }).wires?.[0] ?? [];
    const resendForm = () =>
      batchMode === 'single'
        ? 'single'
        : resendFormFor(databaseIds.map((id) => RED.nodes.getNode(id) as unknown as DownstreamNode | null).filter((n): n is DownstreamNode => n !== null));

    let cache: OffThreadCache | undefined;
    let openError: Error | undefined;
    const openFailed = (err: Error): void => {
      openError = err;
      node.error(`${RED._('pv-cache.error.open')}: ${err.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('pv-cache.status.error') });
    };
    try {
      // The file and its fsyncs live in a worker thread: none of them holds this event loop, the bus's.
      cache = new OffThreadCache(node.id, cacheSettingsFrom(config, RED.settings.userDir as string | undefined, node.id), {
        resend: (msg) => node.send([msg as NodeMessage, null, null]),
        resendForm,
        warn: (text) => node.warn(text),
        changed: () => {
          statusDirty = true;
        },
        failed: (err) => {
          if (cache?.openError === err) openFailed(err);
          else node.error(err.message);
        },
      });
    } catch (err) {
      openFailed(err as Error);
    }

    const statsMessage = (s: CacheStats): NodeMessage =>
      ({ topic: 'cache', measurement: SYSTEM_MEASUREMENT, payload: [cacheSystemFields(s), { cache: label }] }) as NodeMessage;

    let lastPending = 0;
    let statusAsked = false;
    const show = (s: CacheStats): void => {
      lastPending = s.pending;
      if (Date.now() - errorShownAt < ERROR_STATUS_HOLD_MS) return;
      if (s.pending === 0) {
        node.status({ fill: 'green', shape: 'dot', text: RED._('pv-cache.status.delivered') });
        return;
      }
      const text = RED._('pv-cache.status.pending', { count: s.pending, age: ageText(s.oldestPendingAgeS) });
      if (s.mode === 'offline') node.status({ fill: 'yellow', shape: 'ring', text: RED._('pv-cache.status.waiting', { pending: text }) });
      else node.status({ fill: 'blue', shape: 'dot', text });
    };
    const showStatus = (): void => {
      if (!cache || openError || !statusDirty || statusAsked) return;
      if (Date.now() - errorShownAt < ERROR_STATUS_HOLD_MS) return;
      statusDirty = false;
      statusAsked = true;
      cache.stats().then(show, () => undefined).finally(() => (statusAsked = false));
    };
    // At most one status update a second (not one per message); the age in it grows by itself,
    // so it is refreshed while anything is pending.
    const statusTimer = setInterval(() => {
      if (lastPending > 0) statusDirty = true;
      cache?.refreshResendForm();
      showStatus();
    }, STATUS_EVERY_MS);
    const sendStats = (send: (m: Out) => void): Promise<void> => (cache ? cache.stats().then((s) => send([null, statsMessage(s), null])) : Promise.resolve());
    const statsEveryS = statsIntervalFrom(config);
    const statsTimer =
      statsEveryS > 0 && cache ? setInterval(() => sendStats((m) => node.send(m)).catch((err: Error) => node.error(err.message)), statsEveryS * 1000) : undefined;
    showStatus();

    const fail = (done: (err?: Error) => void, err: unknown): void => {
      errorShownAt = Date.now();
      statusDirty = true;
      errors.fail(done, err);
    };
    const notOpen = (): Error => new Error(`${RED._('pv-cache.error.notOpen')}: ${openError?.message ?? ''}`);

    /** One input: resolves once the cache has committed what it changes (done() comes after). */
    const handle = async (c: OffThreadCache, m: InputMessage, send: (m: Out) => void): Promise<void> => {
      const input = classifyInput(m, node.id);
      switch (input.kind) {
        case 'ack':
          await c.acknowledge(input.key);
          return;
        case 'failure':
          await c.fail(input.key, input.reason);
          return;
        case 'own-error':
          node.warn(`${RED._('pv-cache.warn.ownError')}: ${input.reason}`);
          return;
        case 'stats':
          return sendStats(send);
        case 'query': {
          const r = await c.query(parseCacheQuery(input.query, Date.now()));
          m.payload = r.points;
          m.truncated = r.truncated;
          send([null, null, m]);
          return;
        }
        default: {
          // Forwarded only once the worker says the message is committed to the file.
          const { forward } = await c.put(m);
          if (forward) send([m, null, null]);
        }
      }
    };

    node.on('input', (msg: NodeMessage, send: (m: Out) => void, done: (err?: Error) => void) => {
      if (!cache || openError) return fail(done, notOpen());
      handle(cache, msg as InputMessage, send).then(
        () => done(),
        (err: unknown) => fail(done, err instanceof CacheNotOpenError && openError ? notOpen() : err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      if (statsTimer) clearInterval(statsTimer);
      const closing = cache?.close() ?? Promise.resolve();
      cache = undefined;
      // done() once the worker thread has exited: a redeploy opens the same file only then.
      closing.catch((err: Error) => node.error(err.message)).finally(done);
    });
  }

  RED.nodes.registerType('pv-cache', PvCacheNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
