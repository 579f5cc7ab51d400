import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import type { BusState } from '../../lib/bus/busSettings';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { listSerialPorts } from '../../lib/bus/portList';
import { busSettingsFrom } from './busConfig';
import type { Rs485BusConfig } from './defaults';
import type { Rs485BusConfigNode } from './busNodeApi';

type StatusFill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

export = function register(RED: NodeAPI): void {
  function Rs485BusNode(this: Rs485BusConfigNode, config: NodeDef & Partial<Rs485BusConfig>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Map<string, Node>();
    let bus: Bus | undefined;

    const statusOf = (state: BusState, detail: string): { fill: StatusFill; shape: 'dot' | 'ring'; text: string } => {
      switch (state) {
        case 'open':
          return { fill: 'green', shape: 'dot', text: RED._('rs485-bus.status.open', { link: detail }) };
        case 'opening':
          return { fill: 'yellow', shape: 'ring', text: RED._('rs485-bus.status.opening') };
        case 'reconnecting':
          return { fill: 'red', shape: 'ring', text: RED._('rs485-bus.status.reconnecting', { detail }).slice(0, 80) };
        default:
          return { fill: 'grey', shape: 'ring', text: RED._('rs485-bus.status.closed') };
      }
    };
    const onState = (state: BusState, detail: string): void => {
      if (state === 'reconnecting') node.warn(RED._('rs485-bus.log.lost', { detail }));
      for (const user of users.values()) user.status(statusOf(state, detail));
    };

    node.register = (user: Node): Bus => {
      if (!bus) {
        const settings = busSettingsFrom(config);
        bus = acquireBus(settings, node.id, { log: (m) => node.debug(m) }, `rs485-bus ${config.name ? `"${config.name}" (${node.id})` : node.id}`);
        bus.on('state', onState);
      }
      users.set(user.id, user);
      user.status(statusOf(bus.state, bus.detail));
      return bus;
    };

    node.deregister = async (user: Node): Promise<void> => {
      users.delete(user.id);
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
