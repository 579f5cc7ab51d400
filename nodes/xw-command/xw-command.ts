import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import { modbusClientFor, modbusUnitKey } from '../../lib/modbus/modbusClient';
import { planOptionsForBus } from '../../lib/xw/pollPlanner';
import { controlCodeTable, parseCommand, selectTargets, type ControlCodeTable } from '../../lib/xw/commandInput';
import { splitMemoryFor } from '../../lib/xw/unitSplits';
import { unitLocksFor } from '../../lib/xw/unitLocks';
import { modeMemoryFor } from '../../lib/xw/modeMemory';
import { commandReport, VerifiedWriter, type UnitReport } from '../../lib/xw/verifiedWriter';
import { commandBoardMessage, commandSummary, refusalBoardMessage } from '../../lib/dashboard/commandBoard';
import { controlDocumentOf, refusalUpdate, reportUpdate, takenUpdate, type ControlDocument } from '../../lib/mongo/controlDocument';
import { downStatusOf } from '../rs485-bus/downStatus';
import { nodeErrors, type InputMessage } from '../support/nodeErrors';
import { closeBusGroups, openBusGroups, type XwBusGroup } from '../support/xwUnitGroups';
import { DEFAULTS, type XwCommandConfig } from './defaults';

export = function register(RED: NodeAPI): void {
  function XwCommandNode(this: Node, config: NodeDef & Partial<XwCommandConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const c = { ...DEFAULTS, ...config };
    const errors = nodeErrors(RED, node, 'xw-command');
    let groups: XwBusGroup[] = [];
    let table: ControlCodeTable = new Map();
    let setupError: Error | undefined;
    const abort = new AbortController();
    const inFlight = new Set<Promise<unknown>>();
    const deadlineS = Number(c.deadline);
    try {
      if (!(deadlineS >= 0.1 && deadlineS <= 600)) throw new ConfigError(`verification deadline must be 0.1–600 s, got ${c.deadline}`);
      table = controlCodeTable(Array.isArray(c.codes) && c.codes.length ? c.codes : DEFAULTS.codes);
      groups = openBusGroups(RED, node, c.inverters);
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
      node.status(errors.setupStatus(setupError));
    }

    node.on('input', (msg: InputMessage, send, done) => {
      if (setupError) return errors.fail(done, setupError);
      let command;
      let perBus: { group: XwBusGroup; targets: XwBusGroup['targets'] }[];
      // output 3: a control document from mongodb in is marked taken, then gets its outcome
      const doc: ControlDocument | undefined = controlDocumentOf(msg.payload, msg.collection);
      const topic = node.name || 'xw command';
      try {
        command = parseCommand(doc ? doc.code : msg.payload, table);
        const chosen = new Set(selectTargets(groups.flatMap((g) => g.targets), doc ? (doc.inverter ?? msg.inverter) : msg.inverter));
        perBus = groups.map((group) => ({ group, targets: group.targets.filter((t) => chosen.has(t)) })).filter((g) => g.targets.length > 0);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        send([null, refusalBoardMessage(reason, topic), doc ? refusalUpdate(doc, reason, new Date()) : null] as unknown as Parameters<typeof send>[0]);
        return errors.fail(done, err);
      }
      if (doc) send([null, null, takenUpdate(doc, new Date())] as unknown as Parameters<typeof send>[0]);
      const startedAt = Date.now();
      node.status({ fill: 'blue', shape: 'dot', text: RED._('xw-command.status.setting', { command }) });
      const started = performance.now();
      const run = Promise.all(
        perBus.map(({ group, targets }) =>
          new VerifiedWriter({
            client: modbusClientFor(group.bus),
            splits: splitMemoryFor(group.bus),
            locks: unitLocksFor(group.bus),
            modes: modeMemoryFor(group.bus),
            planOptions: planOptionsForBus(group.bus.settings),
            lastAnswer: (unit) => group.bus.counters().lastSuccess[modbusUnitKey(unit)],
          }).run(command, targets, {
            owner: node.id,
            deadlineMs: deadlineS * 1000,
            signal: abort.signal,
          }),
        ),
      ).then(
        (reports) => {
          const units: UnitReport[] = reports.flatMap((r) => r.units);
          const report = commandReport(command, units, Math.round(performance.now() - started), reports.reduce((n, r) => n + r.transactions, 0));
          msg.payload = report;
          const board = commandBoardMessage(report, startedAt, topic);
          const stored = doc ? reportUpdate(doc, report, commandSummary(report), new Date()) : null;
          const ok = units.filter((u) => u.ok).length;
          node.status((!report.ok && downStatusOf(perBus.map((g) => g.group.busNode))) || {
            fill: report.ok ? 'green' : 'red',
            shape: report.ok ? 'dot' : 'ring',
            text: RED._('xw-command.status.result', { command, ok, total: units.length, ms: report.ms }),
          });
          send([msg, board, stored] as unknown as Parameters<typeof send>[0]);
          if (report.ok) return done();
          const failed = units.filter((u) => !u.ok).map((u) => `${u.name} (unit ${u.unit}): ${u.reason}`);
          done(new Error(`${command} failed on ${failed.length} of ${units.length} unit(s): ${failed.join('; ')}`));
        },
        (err: unknown) => errors.fail(done, err),
      );
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // a command on the wire finishes its transaction; its verification waits stop now
      abort.abort();
      // what it still has queued on its buses ends now as cancelled, never sent
      for (const g of groups) g.bus.cancelOwner(node.id);
      let capTimer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((r) => (capTimer = setTimeout(r, 10000)));
      void Promise.race([Promise.allSettled([...inFlight]), cap])
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

  RED.nodes.registerType('xw-command', XwCommandNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
