import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import { peakSettings } from '../../lib/peak/peakSettings';
import { PeakShaver, type PeakDecision } from '../../lib/peak/peakShaver';
import { nodeErrors, type InputMessage } from '../support/nodeErrors';
import { DEFAULTS, type XwPeakShavingConfig } from './defaults';

const ACTIVE = new Set(['peak', 'peakOver', 'lowLoad', 'charged', 'chargePeak', 'batteryLow', 'outsideWindow', 'holding']);

export = function register(RED: NodeAPI): void {
  function XwPeakShavingNode(this: Node, config: NodeDef & Partial<XwPeakShavingConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const c = { ...DEFAULTS, ...config };
    const errors = nodeErrors(RED, node, 'xw-peak-shaving');
    let shaver: PeakShaver | undefined;
    let setupError: Error | undefined;
    let staleTimer: NodeJS.Timeout | undefined;
    let staleMs = 0;
    try {
      const settings = peakSettings(c);
      staleMs = settings.staleAfterMs;
      shaver = new PeakShaver(settings, { now: () => Date.now() }, { gridField: String(c.gridField), batteryField: String(c.batteryField), batteryPowerField: String(c.batteryPowerField) });
      node.status({ fill: 'grey', shape: 'ring', text: RED._('xw-peak-shaving.status.noData') });
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
      node.status(errors.setupStatus(setupError));
    }

    const show = (d: PeakDecision): void => {
      const text = RED._(`xw-peak-shaving.status.${d.why}`, { mode: RED._(`xw-peak-shaving.mode.${d.mode}`), grid: d.grid === null ? '?' : Math.round(d.grid), load: d.load === null ? '?' : Math.round(d.load), battery: d.battery ?? '?' });
      const fill = d.commands.length ? 'blue' : ACTIVE.has(d.why) || d.why === 'wait' ? 'green' : 'yellow';
      node.status({ fill, shape: fill === 'yellow' ? 'ring' : 'dot', text });
    };

    node.on('input', (msg: InputMessage, send, done) => {
      if (setupError || !shaver) return errors.fail(done, setupError ?? new Error('not set up'));
      const p = msg.payload;
      if (typeof p === 'number' && Number.isFinite(p)) shaver.gridPower(p);
      else if (p && typeof p === 'object' && !Array.isArray(p) && 'units_ok' in p) shaver.summary(p as Record<string, unknown>);
      else if (p && typeof p === 'object' && !Array.isArray(p) && ('standby' in p || 'operating_mode' in p)) shaver.unit(String(msg.topic ?? ''), p as Record<string, unknown>);
      else return errors.fail(done, new ConfigError(`msg.payload must be grid power in W (a number), xw-poll's summary (readings shape) or a unit's readings; got ${JSON.stringify(p)?.slice(0, 80) ?? String(p)}`));
      const d = shaver.decide();
      show(d);
      for (const command of d.commands) send({ payload: command, topic: 'peak shaving', reason: d.why, mode: d.mode, grid_power: d.grid, load_power: d.load, battery: d.battery });
      clearTimeout(staleTimer);
      // data that stops coming shows as stale without waiting for the next message
      staleTimer = setTimeout(() => shaver && show(shaver.decide()), staleMs + 50);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(staleTimer);
      done();
    });
  }

  RED.nodes.registerType('xw-peak-shaving', XwPeakShavingNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
