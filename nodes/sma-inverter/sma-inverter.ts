import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { ConfigError } from '../../lib/bus/errors';
import type { LineProtocol } from '../../lib/bus/lineSpeed';
import { discoverData1 } from '../../lib/sma/data1Source';
import { testLogon } from '../../lib/sma/logonTest';
import { createSmaSource, smaBusRefusal, smaDeviceSettings, speedwireBusSettings, type SmaDeviceConfig, type SmaDeviceSettings } from '../../lib/sma/smaDevice';
import type { SmaTarget } from '../../lib/sma/smaPoller';
import type { SmaSource, SmaTransport } from '../../lib/sma/smaSource';
import { scanAnswer, type ScanReason } from '../../lib/status/scanReason';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';
import { scanRefusal } from '../rs485-bus/downStatus';
import { DEFAULTS, type SmaInverterConfig, type SmaInverterCredentials } from './defaults';
import type { SmaInverterConfigNode } from './smaInverterNodeApi';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a device's readers share: one bus, one source (one session). */
interface OpenDevice {
  bus: Bus;
  source: SmaSource;
  target: SmaTarget;
  /** the rs485-bus node (Data1, Bluetooth); undefined for Speedwire, whose UDP bus is the device's own */
  busNode?: Rs485BusConfigNode;
}

/** Node-RED's placeholder in the editor for a password it has and does not send back */
const STORED_PASSWORD = '__PWRD__';

function displayNameOf(config: Partial<SmaInverterConfig>, transport: SmaTransport): string {
  const own = String(config.name ?? '').trim();
  if (own) return own;
  const serial = String(config.serial ?? '').trim();
  if (serial) return `SMA ${serial}`;
  if (transport === 'speedwire' && String(config.host ?? '').trim()) return `SMA ${String(config.host).trim()}`;
  if (transport === 'bluetooth' && String(config.btAddress ?? '').trim()) return `SMA ${String(config.btAddress).trim()}`;
  return `SMA ${transport}`;
}

const lineProtocol = (device: SmaDeviceSettings): LineProtocol | undefined => (device.transport === 'data1' ? 'sma-data1' : undefined);

export = function register(RED: NodeAPI): void {
  function SmaInverterNode(this: Mutable<SmaInverterConfigNode>, config: NodeDef & Partial<SmaInverterConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = (this as unknown as { credentials?: SmaInverterCredentials }).credentials ?? {};
    let device: SmaDeviceSettings | undefined;
    try {
      device = smaDeviceSettings(config as SmaDeviceConfig, credentials.password);
    } catch (err) {
      this.configError = (err as Error).message;
    }
    this.transport = device?.transport ?? ((config.transport as SmaTransport | undefined) || DEFAULTS.transport);
    this.displayName = displayNameOf(config, this.transport);
    const busId = String(config.bus ?? '');
    const users = new Map<string, Node>();
    let open: OpenDevice | undefined;

    const busNodeOf = (): Rs485BusConfigNode => {
      const busNode = RED.nodes.getNode(busId) as Rs485BusConfigNode | null;
      if (!busNode || typeof busNode.register !== 'function') throw new ConfigError(`${node.displayName}: no rs485-bus configured (SMA ${node.transport === 'data1' ? 'Data1' : 'Bluetooth'} goes through one)`);
      return busNode;
    };

    const openFor = (user: Node, d: SmaDeviceSettings): OpenDevice => {
      if (d.transport === 'speedwire') {
        const bus = acquireBus(speedwireBusSettings(d.host, d.port), node.id, { log: (m) => node.debug(m) }, `sma-inverter "${node.displayName}"`);
        try {
          const source = createSmaSource(bus, d, node.id);
          return { bus, source, target: { id: node.id, name: node.displayName, source, bus, sleep: d.sleep, serial: d.serial } };
        } catch (err) {
          void releaseBus(bus, node.id);
          throw err;
        }
      }
      const busNode = busNodeOf();
      const bus = busNode.register(user, lineProtocol(d));
      try {
        const source = createSmaSource(bus, d, node.id);
        return { bus, source, busNode, target: { id: node.id, name: node.displayName, source, bus, sleep: d.sleep, serial: d.serial } };
      } catch (err) {
        void busNode.deregister(user);
        throw new ConfigError(`${node.displayName}: ${(err as Error).message}`);
      }
    };

    node.connect = (user: Node): SmaTarget => {
      if (node.configError || !device) throw new ConfigError(`${node.displayName}: ${node.configError ?? 'not set up'}`);
      if (!open) open = openFor(user, device);
      else if (open.busNode && !users.has(user.id)) open.busNode.register(user, lineProtocol(device)); // this reader sees the bus's state too
      users.set(user.id, user);
      return open.target;
    };

    const shut = async (o: OpenDevice, leaving: Node[]): Promise<void> => {
      await o.source.close(); // logoff and cancel what is queued, while the bus is still open
      if (o.busNode) await Promise.all(leaving.map((u) => o.busNode?.deregister(u)));
      else await releaseBus(o.bus, node.id);
    };

    node.disconnect = async (user: Node): Promise<void> => {
      if (!users.delete(user.id) || !open) return;
      if (users.size > 0) {
        await open.busNode?.deregister(user);
        return;
      }
      const o = open;
      open = undefined;
      await shut(o, [user]);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      const o = open;
      const leaving = [...users.values()];
      open = undefined;
      users.clear();
      if (!o) return done();
      shut(o, leaving).then(done, (err: Error) => {
        node.error(err.message);
        done();
      });
    });
  }

  RED.nodes.registerType('sma-inverter', SmaInverterNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], { credentials: { password: { type: 'password' } } });

  /** a stand-in user so an editor request opens the bus (and closes it again if no one else uses it) */
  const standIn = (what: string): Node => ({ id: `sma-inverter-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, type: 'sma-inverter', name: what, status: () => undefined }) as unknown as Node;

  // Editor: the SMA Data1 devices on a deployed bus (the network discovery in the dialog's framing, or both), with the address each has now.
  RED.httpAdmin.get('/sma-inverter/scan', RED.auth.needsPermission('sma-inverter.read'), (req, res) => {
    const busNode = RED.nodes.getNode(String(req.query.bus ?? '')) as Rs485BusConfigNode | null;
    if (!busNode || typeof busNode.register !== 'function') {
      res.json({ devices: [], ...scanAnswer({ code: 'notDeployed' }) });
      return;
    }
    const framing = String(req.query.framing ?? '');
    if (framing !== '' && framing !== 'smanet' && framing !== 'sunnynet') {
      res.status(400).json({ devices: [], reason: `framing must be smanet or sunnynet, got ${framing}` });
      return;
    }
    const scanner = standIn('scan');
    let bus: Bus;
    try {
      bus = busNode.register(scanner, 'sma-data1');
      const refusal = smaBusRefusal(bus, 'data1');
      if (refusal) throw new ConfigError(refusal);
    } catch (err) {
      void busNode.deregister(scanner);
      res.json({ devices: [], reason: (err as Error).message });
      return;
    }
    scanRefusal(bus)
      .then(async (refusal) => (refusal ? { devices: [], refusal } : { devices: await discoverData1(bus, { owner: scanner.id, ...(framing ? { framings: [framing] } : {}) }), refusal: undefined }))
      .then(
        (r) => {
          const reason: ScanReason | undefined = r.refusal ?? (r.devices.length ? undefined : { code: 'noSmaDevice' });
          res.json({ devices: r.devices, ...scanAnswer(reason) });
        },
        (err: Error) => res.json({ devices: [], reason: err.message }),
      )
      .finally(() => void busNode.deregister(scanner));
  });

  // Editor: log on to a Bluetooth or Speedwire device with the dialog's settings (the stored password when unchanged).
  RED.httpAdmin.post('/sma-inverter/logon', RED.auth.needsPermission('sma-inverter.write'), (req, res) => {
    const body = (req.body ?? {}) as Partial<SmaInverterConfig> & { id?: string; password?: string };
    let password = typeof body.password === 'string' ? body.password : '';
    if ((password === STORED_PASSWORD || password === '') && body.id) {
      const stored = RED.nodes.getCredentials(String(body.id)) as SmaInverterCredentials | undefined;
      password = stored?.password ?? '';
    }
    let device: SmaDeviceSettings;
    try {
      device = smaDeviceSettings(body as SmaDeviceConfig, password);
      if (device.transport === 'data1') throw new ConfigError('SMA Data1 has no logon: use the scan');
    } catch (err) {
      res.status(400).json({ ok: false, reason: (err as Error).message });
      return;
    }
    const tester = standIn('logon');
    let release: () => Promise<void>;
    let bus: Bus;
    try {
      if (device.transport === 'speedwire') {
        bus = acquireBus(speedwireBusSettings(device.host, device.port), tester.id, undefined, 'the sma-inverter logon test');
        const b = bus;
        release = () => releaseBus(b, tester.id);
      } else {
        const busNode = RED.nodes.getNode(String(body.bus ?? '')) as Rs485BusConfigNode | null;
        if (!busNode || typeof busNode.register !== 'function') {
          res.json({ ok: false, ...scanAnswer({ code: 'notDeployed' }) });
          return;
        }
        bus = busNode.register(tester);
        release = () => busNode.deregister(tester);
      }
    } catch (err) {
      res.json({ ok: false, reason: (err as Error).message });
      return;
    }
    let source: SmaSource;
    try {
      source = createSmaSource(bus, device, tester.id);
    } catch (err) {
      void release();
      res.json({ ok: false, reason: (err as Error).message });
      return;
    }
    const key = device.transport === 'speedwire' ? `speedwire:${device.host}:${device.port}` : `bluetooth:${bus.key}`;
    testLogon(source, key, bus.scheduler)
      .then((result) => res.json(result))
      .catch((err: Error) => res.json({ ok: false, reason: err.message }))
      .finally(() => void source.close().then(release));
  });
};
