import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { claimLine, releaseLine, type LineProtocol } from '../../lib/bus/lineSpeed';
import { listSerialPorts } from '../../lib/bus/portList';
import { busStatus, busStatusText } from '../../lib/status/busStatus';
import { busWordsFrom } from './busWords';
import { busSettingsFrom } from './busConfig';
import type { Rs485BusConfig } from './defaults';
import type { Rs485BusConfigNode } from './busNodeApi';

export = function register(RED: NodeAPI): void {
  function Rs485BusNode(this: Rs485BusConfigNode, config: NodeDef & Partial<Rs485BusConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Map<string, Node>();
    let bus: Bus | undefined;

    const words = busWordsFrom((key, subs) => RED._(key, subs));
    // every user shows the bus's real state; the whole text goes to the log, the status is shortened
    const onState = (): void => {
      if (!bus) return;
      if (bus.state === 'reconnecting') node.warn(busStatusText(bus, words));
      const status = busStatus(bus, words);
      for (const user of users.values()) user.status(status);
    };
    node.downStatus = () => (bus && bus.state !== 'open' ? busStatus(bus, words) : undefined);

    node.register = (user: Node, protocol?: LineProtocol): Bus => {
      if (!bus) {
        const settings = busSettingsFrom(config);
        bus = acquireBus(settings, node.id, { log: (m) => node.debug(m) }, `rs485-bus ${config.name ? `"${config.name}" (${node.id})` : node.id}`);
        bus.on('state', onState);
      }
      if (protocol) {
        try {
          claimLine(bus, user.id, protocol, `${user.type} ${user.name ? `"${user.name}"` : user.id}`);
        } catch (err) {
          if (users.size === 0) void node.deregister(user);
          throw err;
        }
      }
      users.set(user.id, user);
      user.status(busStatus(bus, words));
      return bus;
    };

    node.deregister = async (user: Node): Promise<void> => {
      users.delete(user.id);
      if (bus) releaseLine(bus, user.id);
      if (users.size === 0 && bus) {
        const b = bus;
        bus = undefined;
        b.removeListener('state', onState);
        await releaseBus(b, node.id);
      }
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      const b = bus;
      bus = undefined;
      if (!b) return done();
      b.removeListener('state', onState);
      releaseBus(b, node.id).then(done, (err: Error) => {
        node.error(err.message);
        done();
      });
    });
  }

  RED.nodes.registerType('rs485-bus', Rs485BusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  RED.httpAdmin.get('/rs485-bus/ports', RED.auth.needsPermission('rs485-bus.read'), (_req, res) => {
    listSerialPorts().then(
      (listing) => res.json(listing),
      (err: Error) => res.json({ ports: [], reason: err.message }),
    );
  });
};
