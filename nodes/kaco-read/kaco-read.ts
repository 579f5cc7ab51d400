import type { Node, NodeAPI, NodeDef } from 'node-red';
import { KacoPoller, type CycleSummary, type InverterReading, type InverterResult } from '../../lib/kaco/kacoPoller';
import { readingMessage, statusMessage } from '../../lib/kaco/readingMessages';
import { KacoBoard } from '../../lib/dashboard/kacoBoard';
import { downStatusOf } from '../rs485-bus/downStatus';
import { nodeErrors, type InputMessage } from '../support/nodeErrors';
import { closeKacoBusGroups, openKacoBusGroups, type KacoBusGroups } from './kacoBusGroups';
import { cycleRequestFrom, kacoReadSettings } from './kacoReadSettings';
import type { KacoReadConfig } from './defaults';

/** close must finish well within Node-RED's 15 s: the request on the wire gets this long */
const CLOSE_CAP_MS = 8000;

export = function register(RED: NodeAPI): void {
  function KacoReadNode(this: Node, config: NodeDef & Partial<KacoReadConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const stop = new AbortController();
    const errors = nodeErrors(RED, node, 'kaco-read');
    let groups: KacoBusGroups = { targets: [], busNodes: [] };
    let poller: KacoPoller | undefined;
    let setupError: Error | undefined;
    // output 3 (Dashboard 2.0): the latest of every inverter, kept across cycles
    const board = new KacoBoard();

    const time = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);
    const onCycle = (s: CycleSummary): void => {
      const text = [RED._('kaco-read.status.ok', { n: s.ok }), s.asleep ? RED._('kaco-read.status.asleep', { n: s.asleep }) : '', s.error ? RED._('kaco-read.status.error', { n: s.error }) : '', time(s.startedAt + s.durationMs)]
        .filter(Boolean)
        .join(' · ');
      node.status((s.error && downStatusOf(groups.busNodes)) || (s.error ? { fill: 'red', shape: 'ring', text } : s.asleep ? { fill: 'yellow', shape: 'ring', text } : { fill: 'green', shape: 'dot', text }));
      node.send([null, null, board.cycle(s, node.name || 'kaco')] as unknown as Parameters<Node['send']>[0]);
    };

    try {
      const settings = kacoReadSettings(config);
      groups = openKacoBusGroups(RED, node, config.inverters, { owner: node.id, signal: stop.signal, ...settings.client });
      type Send = Parameters<Node['send']>[0];
      // each reply's values leave the moment they are decoded; the status once the inverter's turn is over
      const onReading = (r: InverterReading): void => {
        board.reading(r);
        node.send([readingMessage(r, settings.messages), null, null] as unknown as Send);
      };
      const onResult = (r: InverterResult): void => {
        board.result(r);
        node.send([null, statusMessage(r, settings.messages), null] as unknown as Send);
      };
      poller = new KacoPoller({ targets: groups.targets, intervalMs: settings.intervalMs, yieldEvery: settings.yieldEvery, onReading, onResult, onCycle });
      if (settings.intervalMs > 0) poller.start();
      else node.status({ fill: 'grey', shape: 'ring', text: RED._('kaco-read.status.waiting') });
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
      node.status(errors.setupStatus(setupError));
      node.error(setupError.message);
      void closeKacoBusGroups(groups, node);
    }

    node.on('input', (msg, _send, done) => {
      if (setupError || !poller) return errors.fail(done, setupError ?? new Error('not set up'));
      let request;
      try {
        request = cycleRequestFrom(msg as InputMessage);
        poller.trigger(request).then(() => done(), (err: Error) => done(err));
      } catch (err) {
        errors.fail(done, err);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      stop.abort();
      let capTimer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => (capTimer = setTimeout(resolve, CLOSE_CAP_MS)));
      void Promise.race([poller?.stop() ?? Promise.resolve(), cap])
        .then(() => {
          clearTimeout(capTimer);
          return closeKacoBusGroups(groups, node);
        })
        .then(done, (err: Error) => {
          node.error(err.message);
          done();
        });
    });
  }

  RED.nodes.registerType('kaco-read', KacoReadNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
