import type { Node, NodeAPI, NodeDef } from 'node-red';
import { isKacoAddress, KACO_ADDRESS_MAX, KACO_ADDRESS_MIN } from '../../lib/kaco/commands';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { scanAddresses } from '../../lib/kaco/addressScan';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';
import { scanRefusal } from '../rs485-bus/downStatus';
import { scanAnswer, type ScanReason } from '../../lib/status/scanReason';
import { DEFAULTS, type KacoInverterConfig } from './defaults';
import type { KacoInverterConfigNode } from './kacoInverterNodeApi';
import { kacoBusReason } from './kacoBusCheck';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Short enough that 32 silent addresses take about a minute with KACO's 1 s pause. */
const SCAN_TIMEOUT_MS = 800;

export = function register(RED: NodeAPI): void {
  function KacoInverterNode(this: Mutable<KacoInverterConfigNode>, config: NodeDef & Partial<KacoInverterConfig>): void {
    RED.nodes.createNode(this, config);
    this.busId = String(config.bus ?? DEFAULTS.bus);
    const raw = config.address === undefined || config.address === '' ? DEFAULTS.address : Number(config.address);
    this.address = isKacoAddress(raw) ? raw : NaN;
    if (!isKacoAddress(raw)) this.configError = `KACO address must be an integer 1–32, got ${String(config.address)}`;
    this.displayName = (config.name ?? '').trim() || `KACO ${String(config.address ?? DEFAULTS.address)}`;
    const given = (v: unknown, d: number): number => (v === undefined || v === '' ? d : Number(v));
    const missesToAsleep = given(config.sleepAfter, DEFAULTS.sleepAfter);
    const probeS = given(config.probeInterval, DEFAULTS.probeInterval);
    this.sleep = { missesToAsleep, probeEveryMs: probeS * 1000 };
    if (!(Number.isInteger(missesToAsleep) && missesToAsleep >= 1 && missesToAsleep <= 100)) this.configError ??= `asleep after must be 1–100 missed answers, got ${String(config.sleepAfter)}`;
    if (!(probeS >= 1 && probeS <= 86400)) this.configError ??= `probe interval must be 1–86400 s, got ${String(config.probeInterval)}`;
  }

  RED.nodes.registerType('kaco-inverter', KacoInverterNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  // Editor: which KACO addresses answer command 9 on a deployed bus.
  RED.httpAdmin.get('/kaco-inverter/scan', RED.auth.needsPermission('kaco-inverter.read'), (req, res) => {
    const from = Number(req.query.from ?? 1);
    const to = Number(req.query.to ?? 32);
    if (!isKacoAddress(from) || !isKacoAddress(to) || to < from) {
      res.status(400).json({ inverters: [], ...scanAnswer({ code: 'badAddressRange', min: KACO_ADDRESS_MIN, max: KACO_ADDRESS_MAX }) });
      return;
    }
    const busNode = RED.nodes.getNode(String(req.query.bus ?? '')) as Rs485BusConfigNode | null;
    if (!busNode || typeof busNode.register !== 'function') {
      res.json({ inverters: [], ...scanAnswer({ code: 'notDeployed' }) });
      return;
    }
    // a stand-in user so the scan opens the bus (and closes it again if no one else uses it)
    const scanner = { id: `kaco-inverter-scan-${Date.now()}`, status: () => undefined } as unknown as Node;
    let client: KacoClient;
    let bus;
    try {
      bus = busNode.register(scanner);
      const refusal = kacoBusReason(bus);
      if (refusal) {
        void busNode.deregister(scanner);
        res.json({ inverters: [], ...scanAnswer(refusal) });
        return;
      }
      client = new KacoClient(bus, { owner: scanner.id, timeoutMs: SCAN_TIMEOUT_MS, manageSleep: false });
    } catch (err) {
      void busNode.deregister(scanner);
      res.json({ inverters: [], reason: (err as Error).message });
      return;
    }
    scanRefusal(bus)
      .then(async (refusal) => (refusal ? { found: [], garbled: [], refusal } : { ...(await scanAddresses(client, from, to)), refusal: undefined }))
      .then(
        (r) => {
          const reason: ScanReason | undefined = r.refusal ?? (r.found.length ? undefined : { code: 'noInverter', from, to });
          res.json({ inverters: r.found, garbled: r.garbled, ...scanAnswer(reason) });
        },
        (err: Error) => res.json({ inverters: [], reason: err.message }),
      )
      .finally(() => void busNode.deregister(scanner));
  });
};
