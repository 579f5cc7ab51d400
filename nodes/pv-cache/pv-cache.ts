import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ageText } from '../../lib/cache/ageText';
import { classifyInput } from '../../lib/cache/cacheInput';
import { parseCacheQuery } from '../../lib/cache/cacheQuery';
import { resendFormFor, type DownstreamNode } from '../../lib/cache/resendForm';
import { StoreAndForward } from '../../lib/cache/storeAndForward';
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

    // The nodes on the first output, looked up when a backlog is sent (they exist by then).
    const batchMode = batchModeFrom(config);
    const databaseIds = (config as NodeDef & { wires?: string[][] }).wires?.[0] ?? [];
    const resendForm = () =>
      batchMode === 'single'
        ? 'single'
        : resendFormFor(databaseIds.map((id) => RED.nodes.getNode(id) as unknown as DownstreamNode | null).filter((n): n is DownstreamNode => n !== null));

    let cache: StoreAndForward | undefined;
    let openError: Error | undefined;
    try {
      cache = new StoreAndForward(node.id, cacheSettingsFrom(config, RED.settings.userDir as string | undefined, node.id), {
        resend: (msg) => node.send([msg as NodeMessage, null, null]),
        resendForm,
        warn: (text) => node.warn(text),
        changed: () => {
          statusDirty = true;
        },
      });
    } catch (err) {
      openError = err as Error;
      node.error(`${RED._('pv-cache.error.open')}: ${openError.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('pv-cache.status.error') });
    }

    const statsMessage = (): NodeMessage | null =>
      cache ? ({ topic: 'cache', measurement: SYSTEM_MEASUREMENT, payload: [cacheSystemFields(cache.stats()), { cache: label }] } as NodeMessage) : null;

    const showStatus = (): void => {
      if (!cache || !statusDirty) return;
      if (Date.now() - errorShownAt < ERROR_STATUS_HOLD_MS) return;
      statusDirty = false;
      const s = cache.stats();
      if (s.pending === 0) {
        node.status({ fill: 'green', shape: 'dot', text: RED._('pv-cache.status.delivered') });
        return;
      }
      const text = RED._('pv-cache.status.pending', { count: s.pending, age: ageText(s.oldestPendingAgeS) });
      if (s.mode === 'offline') node.status({ fill: 'yellow', shape: 'ring', text: RED._('pv-cache.status.waiting', { pending: text }) });
      else node.status({ fill: 'blue', shape: 'dot', text });
    };
    // At most one status update a second (not one per message); the age in it grows by itself,
    // so it is refreshed while anything is pending.
    const statusTimer = setInterval(() => {
      if (cache && cache.stats().pending > 0) statusDirty = true;
      showStatus();
    }, STATUS_EVERY_MS);
    const statsEveryS = statsIntervalFrom(config);
    const statsTimer = statsEveryS > 0 && cache ? setInterval(() => node.send([null, statsMessage(), null]), statsEveryS * 1000) : undefined;
    showStatus();

    const fail = (done: (err?: Error) => void, err: unknown): void => {
      errorShownAt = Date.now();
      statusDirty = true;
      errors.fail(done, err);
    };

    node.on('input', (msg: NodeMessage, send: (m: Out) => void, done: (err?: Error) => void) => {
      if (!cache) return fail(done, new Error(`${RED._('pv-cache.error.notOpen')}: ${openError?.message ?? ''}`));
      const m = msg as InputMessage;
      const input = classifyInput(m, node.id);
      try {
        switch (input.kind) {
          case 'ack':
            cache.acknowledge(input.key);
            break;
          case 'failure':
            cache.fail(input.key, input.reason);
            break;
          case 'own-error':
            node.warn(`${RED._('pv-cache.warn.ownError')}: ${input.reason}`);
            break;
          case 'stats':
            send([null, statsMessage(), null]);
            break;
          case 'query': {
            const r = cache.query(parseCacheQuery(input.query, Date.now()));
            m.payload = r.points;
            m.truncated = r.truncated;
            send([null, null, m]);
            break;
          }
          default: {
            const { forward } = cache.put(m);
            if (forward) send([m, null, null]);
          }
        }
      } catch (err) {
        return fail(done, err);
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      if (statsTimer) clearInterval(statsTimer);
      try {
        cache?.close();
      } catch (err) {
        node.error((err as Error).message);
      }
      cache = undefined;
      done();
    });
  }

  RED.nodes.registerType('pv-cache', PvCacheNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
