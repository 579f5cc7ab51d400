import type { Node, NodeAPI, NodeDef } from 'node-red';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { checkUnitAddress } from '../../lib/xw/commandInput';
import { scanUnits } from '../../lib/xw/unitScan';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';
import { scanRefusal } from '../rs485-bus/downStatus';
import { scanAnswer } from '../../lib/status/scanReason';
import { DEFAULTS, type XwInverterConfig } from './defaults';
import type { XwInverterConfigNode } from './inverterNodeApi';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SCAN_TIMEOUT_MS = 300;

export = function register(RED: NodeAPI): void {
  function XwInverterNode(this: Mutable<XwInverterConfigNode>, config: NodeDef & Partial<XwInverterConfig>): void {
    RED.nodes.createNode(this, config);
    this.busId = String(config.bus ?? DEFAULTS.bus);
    try {
      this.unit = checkUnitAddress(config.unit === undefined || config.unit === '' ? DEFAULTS.unit : config.unit);
    } catch (err) {
      this.unit = NaN;
      this.configError = (err as Error).message;
    }
    this.displayName = (config.name ?? '').trim() || `XW ${String(config.unit ?? DEFAULTS.unit)}`;
  }

  RED.nodes.registerType('xw-inverter', XwInverterNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  // Editor: which XW units answer on a deployed bus (addresses 10–29 unless asked otherwise).
  RED.httpAdmin.get('/xw-inverter/scan', RED.auth.needsPermission('xw-inverter.read'), (req, res) => {
    const from = Number(req.query.from ?? 10);
    const to = Number(req.query.to ?? 29);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 247 || to < from || to - from > 60) {
      res.status(400).json({ units: [], ...scanAnswer({ code: 'badUnitRange', min: 1, max: 247, maxSpan: 60 }) });
      return;
    }
    const busNode = RED.nodes.getNode(String(req.query.bus ?? '')) as Rs485BusConfigNode | null;
    if (!busNode || typeof busNode.register !== 'function') {
      res.json({ units: [], ...scanAnswer({ code: 'notDeployed' }) });
      return;
    }
    // a stand-in user so the scan opens the bus (and closes it again if no one else uses it)
    const scanner = { id: `xw-inverter-scan-${Date.now()}`, status: () => undefined } as unknown as Node;
    let bus;
    try {
      bus = busNode.register(scanner);
    } catch (err) {
      res.json({ units: [], reason: (err as Error).message });
      return;
    }
    const open = bus;
    scanRefusal(open)
      .then(async (refusal) => (refusal ? { units: [], refusal } : { units: await scanUnits(modbusClientFor(open), from, to, { owner: scanner.id, timeoutMs: SCAN_TIMEOUT_MS }) }))
      .then(
        ({ units, refusal }) => res.json({ units, ...scanAnswer(refusal ?? (units.length ? undefined : { code: 'noUnit', from, to })) }),
        (err: Error) => res.json({ units: [], reason: err.message }),
      )
      .finally(() => void busNode.deregister(scanner));
  });
};
