import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { controlCodeTable, parseCommand, selectTargets, type ControlCodeTable } from '../../lib/xw/commandInput';
import { splitMemoryFor } from '../../lib/xw/unitSplits';
import { unitLocksFor } from '../../lib/xw/unitLocks';
import { VerifiedWriter, type CommandReport, type UnitReport } from '../../lib/xw/verifiedWriter';
import { downStatusOf } from '../rs485-bus/downStatus';
import { failInput, type InputMessage } from '../support/nodeErrors';
import { closeBusGroups, openBusGroups, type XwBusGroup } from '../support/xwUnitGroups';
import { DEFAULTS, type XwCommandConfig } from './defaults';

export = function register(RED: NodeAPI): void {
  function XwCommandNode(this: Node, config: NodeDef & Partial<XwCommandConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const c = { ...DEFAULTS, ...config };
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
      node.status({ fill: 'red', shape: 'ring', text: setupError.message.slice(0, 60) });
    }

    node.on('input', (msg: InputMessage, send, done) => {
      if (setupError) return failInput(node, done, setupError);
      let command;
      let perBus: { group: XwBusGroup; targets: XwBusGroup['targets'] }[];
      try {
        command = parseCommand(msg.payload, table);
        const chosen = new Set(selectTargets(groups.flatMap((g) => g.targets), msg.inverter));
        perBus = groups.map((group) => ({ group, targets: group.targets.filter((t) => chosen.has(t)) })).filter((g) => g.targets.length > 0);
      } catch (err) {
        return failInput(node, done, err);
      }
      node.status({ fill: 'blue', shape: 'dot', text: RED._('xw-command.status.setting', { command }) });
      const started = performance.now();
      const run = Promise.all(
        perBus.map(({ group, targets }) =>
          new VerifiedWriter({ client: modbusClientFor(group.bus), splits: splitMemoryFor(group.bus), locks: unitLocksFor(group.bus) }).run(command, targets, {
            owner: node.id,
            deadlineMs: deadlineS * 1000,
            signal: abort.signal,
          }),
        ),
      ).then(
        (reports) => {
          const units: UnitReport[] = reports.flatMap((r) => r.units);
          const report: CommandReport = {
            command,
            ok: units.every((u) => u.ok),
            units,
            ms: Math.round(performance.now() - started),
            transactions: reports.reduce((n, r) => n + r.transactions, 0),
          };
          msg.payload = report;
          const ok = units.filter((u) => u.ok).length;
          node.status((!report.ok && downStatusOf(perBus.map((g) => g.group.busNode))) || {
            fill: report.ok ? 'green' : 'red',
            shape: report.ok ? 'dot' : 'ring',
            text: RED._('xw-command.status.result', { command, ok, total: units.length, ms: report.ms }),
          });
          send(msg);
          if (report.ok) return done();
          const failed = units.filter((u) => !u.ok).map((u) => `${u.name} (unit ${u.unit}): ${u.reason}`);
          done(new Error(`${command} failed on ${failed.length} of ${units.length} unit(s): ${failed.join('; ')}`));
        },
        (err: unknown) => failInput(node, done, err),
      );
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // a command on the wire finishes its transaction; its verification waits stop now
      abort.abort();
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
