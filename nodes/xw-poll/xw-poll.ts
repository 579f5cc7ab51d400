import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { summarise } from '../../lib/xw/pollSummary';
import { XW_TABLE } from '../../lib/xw/registerTable';
import { modeMemoryFor } from '../../lib/xw/modeMemory';
import { planOptionsForBus } from '../../lib/xw/pollPlanner';
import { splitMemoryFor } from '../../lib/xw/unitSplits';
import { XwPoller, type UnitPoll } from '../../lib/xw/xwPoller';
import { chartMessages, XwBoard } from '../../lib/dashboard/xwBoard';
import { downStatusOf } from '../rs485-bus/downStatus';
import { nodeErrors } from '../support/nodeErrors';
import { closeBusGroups, openBusGroups, type XwBusGroup } from '../support/xwUnitGroups';
import { DEFAULTS, SHAPES, type PayloadShape, type XwPollConfig } from './defaults';
import { readingsMessage, statusMessage, summaryMessage, type ShapeSettings } from './pollMessages';

type Msg = Record<string, unknown>;

export = function register(RED: NodeAPI): void {
  function XwPollNode(this: Node, config: NodeDef & Partial<XwPollConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const c = { ...DEFAULTS, ...config };
    const errors = nodeErrors(RED, node, 'xw-poll');
    let groups: XwBusGroup[] = [];
    let pollers: { group: XwBusGroup; poller: XwPoller }[] = [];
    let setupError: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let closing = false;
    // outputs 4 and 5 (Dashboard 2.0): the latest of every unit, kept across cycles
    const board = new XwBoard();

    const intervalS = Number(c.interval);
    const energyS = Number(c.energyInterval);
    // flows from before this setting have none (or the editor leaves it empty): the default
    const modeS = c.modeInterval === '' || c.modeInterval === undefined ? DEFAULTS.modeInterval : Number(c.modeInterval);
    const shape: ShapeSettings = { shape: c.shape as PayloadShape, valueField: String(c.valueField), measurement: String(c.measurement || DEFAULTS.measurement) };
    try {
      if (!(intervalS >= 0 && intervalS <= 86400)) throw new ConfigError(`interval must be 0–86400 s (0 = poll on input only), got ${c.interval}`);
      if (intervalS > 0 && intervalS < 0.1) throw new ConfigError(`interval must be at least 0.1 s, got ${c.interval}`);
      if (!(energyS >= 0 && energyS <= 86400)) throw new ConfigError(`energy interval must be 0–86400 s (0 = never), got ${c.energyInterval}`);
      if (!(modeS >= 0 && modeS <= 86400)) throw new ConfigError(`operating mode interval must be 0–86400 s (0 = at start and after commands only), got ${c.modeInterval}`);
      if (!SHAPES.includes(shape.shape)) throw new ConfigError(`output shape must be one of ${SHAPES.join(', ')}, got ${c.shape}`);
      if (shape.shape === 'value' && !XW_TABLE.has(shape.valueField)) throw new ConfigError(`value field "${shape.valueField}" is not an XW field`);
      // 0.1.0 flows kept a hidden value field when another shape was chosen: not fatal, output 5 stays quiet
      if (!XW_TABLE.has(shape.valueField)) node.warn(`value field "${shape.valueField}" is not an XW field: output 5 (chart) sends nothing`);
      groups = openBusGroups(RED, node, c.inverters);
      pollers = groups.map((group) => ({
        group,
        poller: new XwPoller(modbusClientFor(group.bus), {
          owner: node.id,
          units: group.targets,
          energyIntervalMs: energyS * 1000,
          modeIntervalMs: modeS * 1000,
          modes: modeMemoryFor(group.bus),
          ac2: c.ac2 === true,
          splits: splitMemoryFor(group.bus),
          // costs of the bus it plans for: its baud, character format and pause
          planOptions: planOptionsForBus(group.bus.settings),
          // a poll read that cannot start within one interval is dropped, not run late
          deadlineMs: intervalS > 0 ? Math.max(intervalS * 1000, 2000) : undefined,
        }),
      }));
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
      node.status(errors.setupStatus(setupError));
    }

    const cycle = async (): Promise<void> => {
      const started = performance.now();
      const busNodes = groups.map((g) => g.busNode);
      node.status(downStatusOf(busNodes) ?? { fill: 'blue', shape: 'dot', text: RED._('xw-poll.status.polling') });
      const results = await Promise.all(pollers.map(async ({ group, poller }) => ({ group, polls: await poller.cycle() })));
      if (closing) return;
      const all: { p: UnitPoll; bus: string }[] = results.flatMap((r) => r.polls.map((p) => ({ p, bus: r.group.label })));
      const out1 = all.map(({ p, bus }) => readingsMessage(p, bus, shape)).filter((m): m is Msg => m !== null);
      const summarised = summarise(all.map(({ p }) => p.readings));
      const summary = summaryMessage(summarised, node.name ?? '', shape, Date.now());
      const out3 = all.map(({ p, bus }) => statusMessage(p, bus));
      const polls = all.map(({ p }) => p);
      const table = board.table(polls, summarised, node.name || 'xw units', Date.now());
      node.send([out1, summary, out3, table, chartMessages(polls, shape.valueField)] as unknown as Parameters<Node['send']>[0]);
      const ok = all.filter(({ p }) => p.ok).length;
      const ms = Math.round(performance.now() - started);
      node.status((ok < all.length && downStatusOf(busNodes)) || {
        fill: ok === all.length ? 'green' : ok > 0 ? 'yellow' : 'red',
        shape: ok === all.length ? 'dot' : 'ring',
        text: RED._('xw-poll.status.cycle', { ok, total: all.length, ms }),
      });
    };

    /** one cycle at a time; a trigger during a cycle runs one more right after it */
    let again = false;
    const trigger = (): Promise<void> => {
      if (running) {
        again = true;
        return running;
      }
      running = cycle()
        .catch((err: Error) => {
          node.status(errors.errorStatus(err));
          node.error(err);
        })
        .finally(() => {
          running = undefined;
          if (again && !closing) {
            again = false;
            void trigger();
          }
        });
      return running;
    };

    /** fixed rate: the next cycle starts one interval after this one started */
    const schedule = (startedAt: number): void => {
      if (closing || intervalS <= 0) return;
      const wait = Math.max(0, intervalS * 1000 - (performance.now() - startedAt));
      timer = setTimeout(() => {
        const t0 = performance.now();
        void trigger().then(() => schedule(t0));
      }, wait);
    };

    if (!setupError) {
      if (intervalS > 0) {
        // first cycle soon after deploy, then every interval
        timer = setTimeout(() => {
          const t0 = performance.now();
          void trigger().then(() => schedule(t0));
        }, 200);
      } else {
        node.status({ fill: 'grey', shape: 'ring', text: RED._('xw-poll.status.waiting') });
      }
    }

    node.on('input', (_msg, _send, done) => {
      if (setupError) return errors.fail(done, setupError);
      trigger().then(() => done(), done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearTimeout(timer);
      // what it still has queued on its buses ends now as cancelled, never sent
      for (const g of groups) g.bus.cancelOwner(node.id);
      let capTimer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((r) => (capTimer = setTimeout(r, 5000)));
      void Promise.race([running ?? Promise.resolve(), cap])
        .then(() => {
          clearTimeout(capTimer);
          return closeBusGroups(groups, node);
        })
        .then(done, (err: Error) => {
          node.error(err.message);
          done();
        });
    });
  }

  RED.nodes.registerType('xw-poll', XwPollNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
