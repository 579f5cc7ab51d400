import type { Node, NodeAPI, NodeDef } from 'node-red';
import { SmaPoller, type SmaCycleSummary, type SmaDeviceReading, type SmaDeviceResult } from '../../lib/sma/smaPoller';
import { smaReadingMessage, smaStatusMessage } from '../../lib/sma/smaMessages';
import { SmaBoard } from '../../lib/dashboard/smaBoard';
import { nodeErrors } from '../support/nodeErrors';
import type { SmaReadConfig } from './defaults';
import { smaReadSettings } from './smaReadSettings';
import { connectSmaTargets, disconnectSmaTargets, type SmaTargets } from './smaTargets';

/** close must finish well within Node-RED's 15 s: the exchange on the wire gets this long */
const CLOSE_CAP_MS = 8000;

export = function register(RED: NodeAPI): void {
  function SmaReadNode(this: Node, config: NodeDef & Partial<SmaReadConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const errors = nodeErrors(RED, node, 'sma-read');
    let connected: SmaTargets = { targets: [], devices: [] };
    let poller: SmaPoller | undefined;
    let setupError: Error | undefined;
    type Send = Parameters<Node['send']>[0];
    // output 3 (Dashboard 2.0): the latest of every device, kept across cycles
    const board = new SmaBoard();

    const time = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);
    let lastLogonRefusal = '';
    const onCycle = (s: SmaCycleSummary): void => {
      const text = [RED._('sma-read.status.ok', { n: s.ok }), s.asleep ? RED._('sma-read.status.asleep', { n: s.asleep }) : '', s.error ? RED._('sma-read.status.error', { n: s.error }) : '', time(s.startedAt + s.durationMs)].filter(Boolean).join(' · ');
      if (lastLogonRefusal) node.status(errors.errorStatus(new Error(lastLogonRefusal)));
      else node.status(s.error ? { fill: 'red', shape: 'ring', text } : s.asleep ? { fill: 'yellow', shape: 'ring', text } : { fill: 'green', shape: 'dot', text });
      lastLogonRefusal = '';
      node.send([null, null, board.cycle(s, node.name || 'sma')] as unknown as Send);
    };

    try {
      const settings = smaReadSettings(config);
      connected = connectSmaTargets(RED, node, config.inverters);
      const onReading = (r: SmaDeviceReading): void => {
        board.reading(r);
        node.send([smaReadingMessage(r, settings.messages), null, null] as unknown as Send);
      };
      const onResult = (r: SmaDeviceResult): void => {
        // a refused logon is said as it is, on the status and in the log, once per cycle
        if (r.logonRefused) {
          lastLogonRefusal = `${r.name}: ${r.errorMessage}`;
          node.warn(lastLogonRefusal);
        }
        board.result(r);
        node.send([null, smaStatusMessage(r, settings.messages), null] as unknown as Send);
      };
      poller = new SmaPoller({ targets: connected.targets, intervalMs: settings.intervalMs, onReading, onResult, onCycle });
      if (settings.intervalMs > 0) poller.start();
      else node.status({ fill: 'grey', shape: 'ring', text: RED._('sma-read.status.waiting') });
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
      node.status(errors.setupStatus(setupError));
      node.error(setupError.message);
      void disconnectSmaTargets(connected, node);
    }

    node.on('input', (_msg, _send, done) => {
      if (setupError || !poller) return errors.fail(done, setupError ?? new Error('not set up'));
      poller.trigger().then(
        () => done(),
        (err: Error) => errors.fail(done, err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      let capTimer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => (capTimer = setTimeout(resolve, CLOSE_CAP_MS)));
      void Promise.race([poller?.stop() ?? Promise.resolve(), cap])
        .then(() => {
          clearTimeout(capTimer);
          return disconnectSmaTargets(connected, node);
        })
        .then(done, (err: Error) => {
          node.error(err.message);
          done();
        });
    });
  }

  RED.nodes.registerType('sma-read', SmaReadNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
