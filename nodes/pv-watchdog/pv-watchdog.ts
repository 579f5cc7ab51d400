import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { allBuses } from '../../lib/bus/busRegistry';
import { ConfigError } from '../../lib/bus/errors';
import type { RebootReason } from '../../lib/watchdog/rebootReason';
import { ReasonStore } from '../../lib/watchdog/reasonStore';
import { readSystemFields, statsPoints } from '../../lib/watchdog/systemStats';
import { Watchdog } from '../../lib/watchdog/watchdog';
import { shortStatusText } from '../../lib/status/statusText';
import { nodeErrors, type InputMessage } from '../support/nodeErrors';
import type { PvWatchdogConfig } from './defaults';
import { watchedBusFinder } from './watchedBus';
import { watchdogSettingsFrom } from './watchdogSettings';
import { decisionStatus, watchdogStatus } from './watchdogStatus';

const TICK_MS = 1000;
/** like the inject node's "once after": the flow's other nodes must exist before we send */
const START_DELAY_MS = 100;
const DECISION_STATUS_HOLD_MS = 10 * 60 * 1000;
const ERROR_STATUS_HOLD_MS = 5000;

/** Outputs: 1 reboot decisions (wire to exec or similar), 2 reasons (dry-run decisions, the reason recorded before the last reboot), 3 statistics. */
export = function register(RED: NodeAPI): void {
  function PvWatchdogNode(this: Node, config: NodeDef & Partial<PvWatchdogConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const _ = (key: string, subs?: Record<string, string | number>): string => RED._(key, subs);
    const errors = nodeErrors(RED, node, 'pv-watchdog');
    let watchdog: Watchdog | undefined;
    let configError: Error | undefined;
    let statsTimer: NodeJS.Timeout | undefined;
    let lastDecision: { reason: RebootReason; at: number } | undefined;
    let errorShownAt = Number.NEGATIVE_INFINITY;
    let lastStatusText = '';

    const sendDecision = (reason: RebootReason): void => {
      lastDecision = { reason, at: performance.now() };
      if (reason.dry_run) {
        node.warn(_('pv-watchdog.log.dryRun', { check: reason.check, detail: reason.detail }));
        node.send([null, { topic: 'reboot-dry-run', measurement: 'reboot', payload: reason } as NodeMessage, null]);
      } else {
        node.warn(_('pv-watchdog.log.decision', { check: reason.check, detail: reason.detail }));
        node.send([{ topic: 'reboot', payload: reason } as NodeMessage, null, null]);
      }
      showStatus(true);
    };

    const showStatus = (force = false): void => {
      if (!watchdog || (!force && performance.now() - errorShownAt < ERROR_STATUS_HOLD_MS)) return;
      const state = watchdog.status();
      const held = lastDecision && performance.now() - lastDecision.at < DECISION_STATUS_HOLD_MS && state.state !== 'failing';
      const status = held && lastDecision ? decisionStatus(_, lastDecision.reason) : watchdogStatus(_, state);
      if (status.text === lastStatusText && !force) return;
      lastStatusText = String(status.text);
      node.status(status);
    };

    try {
      const settings = watchdogSettingsFrom(config, RED.settings.userDir as string | undefined, node.id);
      const busId = typeof config.bus === 'string' ? config.bus : '';
      if (busId !== '' && !RED.nodes.getNode(busId)) throw new ConfigError(_('pv-watchdog.error.noBus'));
      watchdog = new Watchdog({
        ...settings,
        store: new ReasonStore(settings.reasonFile, (m) => node.warn(m)),
        findBus: busId !== '' ? watchedBusFinder(busId) : undefined,
        onDecision: sendDecision,
        onCommandDone: (r) => {
          if (r.ok) node.log(_('pv-watchdog.log.commandRan', { command: r.command.join(' ') }));
          else node.error(_('pv-watchdog.error.command', { command: r.command.join(' '), message: r.message }));
        },
        onWarning: (m) => node.warn(m),
      });
      if (settings.statsIntervalS > 0) {
        const sendStats = (): void => {
          node.send([null, null, { topic: 'system', measurement: 'system', payload: statsPoints(readSystemFields(), allBuses(), settings.tags) } as NodeMessage]);
        };
        statsTimer = setInterval(sendStats, settings.statsIntervalS * 1000);
      }
    } catch (err) {
      configError = err as Error;
      node.error(`${_('pv-watchdog.error.config')}: ${configError.message}`);
      node.status({ fill: 'red', shape: 'ring', text: shortStatusText(_('pv-watchdog.status.configError', { message: configError.message })) });
    }

    // The reason recorded before the last reboot: sent once, then marked reported.
    let closing = false;
    let endDelay: () => void = () => undefined;
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, START_DELAY_MS);
      endDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const w0 = watchdog;
    const started: Promise<void> = w0
      ? Promise.all([w0.start(), delay]).then(async ([reason]) => {
          if (closing) return;
          if (!reason) {
            node.trace(_('pv-watchdog.log.nothingAtStart'));
            return;
          }
          node.send([null, { topic: 'reboot-reason', measurement: 'reboot', payload: reason } as NodeMessage, null]);
          await w0.markReported();
          node.trace(_('pv-watchdog.log.reportedAtStart'));
        })
      : Promise.resolve();
    started.catch((err: Error) => node.error(`${_('pv-watchdog.error.reasonFile')}: ${err.message}`));

    const tick = (): void => {
      watchdog
        ?.runDue()
        .then(() => showStatus())
        .catch((err: Error) => node.warn(err.message));
    };
    const tickTimer = watchdog ? setInterval(tick, TICK_MS) : undefined;
    if (watchdog) showStatus(true);

    node.on('input', (msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
      if (!watchdog) return errors.fail(done, new ConfigError(`${_('pv-watchdog.error.config')}: ${configError?.message ?? ''}`));
      const m = msg as InputMessage;
      watchdog.feed(m.topic, m.payload).then(
        () => {
          showStatus();
          done();
        },
        (err: unknown) => {
          errorShownAt = performance.now();
          errors.fail(done, err);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tickTimer);
      clearInterval(statsTimer);
      closing = true;
      endDelay();
      const w = watchdog;
      watchdog = undefined;
      Promise.allSettled([started, w?.close()]).then(() => done());
    });
  }

  RED.nodes.registerType('pv-watchdog', PvWatchdogNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
